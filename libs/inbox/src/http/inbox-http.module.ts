import { Module } from '@nestjs/common';
import { InboxModule } from '../inbox.module';
import { InboxController } from './inbox.controller';

/** The partners' inbox API: each partner reads and acknowledges its own items. */
@Module({ imports: [InboxModule], controllers: [InboxController] })
export class InboxHttpModule {}
