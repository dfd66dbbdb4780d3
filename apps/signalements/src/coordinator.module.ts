import { Module } from '@nestjs/common';
import { SignalementsConsumerController } from './coordinator.controller';

/** The coordinator worker (consumer group pdp-coordinator). Needs RuntimeModule. */
@Module({ controllers: [SignalementsConsumerController] })
export class SignalementsWorkerModule {}
