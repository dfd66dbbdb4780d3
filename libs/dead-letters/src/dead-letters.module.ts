import { Global, Module } from '@nestjs/common';
import { Database, DATABASE } from '@pdp/db';
import { MESSAGE_BUS, MessageBus } from '@pdp/bus';
import { Clock, CLOCK } from '@pdp/platform';
import { DeadLetterSink } from './dead-letters';

/** The dead-letter sink every consumer and intake rejects into. */
@Global()
@Module({
  providers: [{ provide: DeadLetterSink, inject: [DATABASE, MESSAGE_BUS, CLOCK], useFactory: (db: Database, bus: MessageBus, clock: Clock) => new DeadLetterSink(db, bus, clock) }],
  exports: [DeadLetterSink],
})
export class DeadLettersModule {}
