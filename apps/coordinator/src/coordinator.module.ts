import { Module } from '@nestjs/common';
import { CoordinatorController } from './coordinator.controller';

/** The coordinator worker (consumer group pdp-coordinator). Needs RuntimeModule. */
@Module({ controllers: [CoordinatorController] })
export class CoordinatorModule {}
