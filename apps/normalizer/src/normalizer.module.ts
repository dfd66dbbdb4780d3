import { DynamicModule, Module } from '@nestjs/common';
import { BatchHandler } from '@pdp/bus';
import { LEAVE_BATCHES, NormalizerController } from './normalizer.controller';

@Module({ controllers: [NormalizerController] })
export class NormalizerModule {
  /** The normalizer with its batches handled elsewhere (the service's handler threads). */
  static handledBy(handle: BatchHandler): DynamicModule {
    return { module: NormalizerModule, providers: [{ provide: LEAVE_BATCHES, useValue: handle }] };
  }
}
