import { Global, Module } from '@nestjs/common';
import { Database, DATABASE } from '@pdp/db';
import { MESSAGE_BUS, MessageBus, POISON_SINK } from '@pdp/bus';
import { Clock, CLOCK } from '@pdp/platform';
import { IdentityKeyring } from '@pdp/identity';
import { DeadLetterSink, poisonSink } from './dead-letters';

/**
 * The dead-letter sink every consumer and intake rejects into, and where the consumer groups'
 * isolated messages go (POISON_SINK, read by libs/bus connectWorker). Needs IdentityModule (its
 * keyring seals the original bytes).
 */
@Global()
@Module({
  providers: [
    {
      provide: DeadLetterSink,
      inject: [DATABASE, MESSAGE_BUS, IdentityKeyring, CLOCK],
      useFactory: (db: Database, bus: MessageBus, keyring: IdentityKeyring, clock: Clock) => new DeadLetterSink(db, bus, keyring, clock),
    },
    { provide: POISON_SINK, inject: [DeadLetterSink], useFactory: poisonSink },
  ],
  exports: [DeadLetterSink, POISON_SINK],
})
export class DeadLettersModule {}
