import { Module } from '@nestjs/common';
import { RouterController } from './router.controller';

@Module({ controllers: [RouterController] })
export class RouterModule {}
