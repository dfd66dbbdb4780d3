import { Module } from '@nestjs/common';
import { NormalizerController } from './normalizer.controller';

@Module({ controllers: [NormalizerController] })
export class NormalizerModule {}
