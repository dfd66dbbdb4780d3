import { Module } from '@nestjs/common';
import { PartnersController } from './partners.controller';

/** Operators' API for the partner registry and the adhesion directory. */
@Module({ controllers: [PartnersController] })
export class PartnersHttpModule {}
