import { Controller, Get, Inject } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database, DATABASE } from '@pdp/db';

@Controller()
export class HealthController {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  @Get('health')
  async health() {
    await this.db.query('SELECT 1');
    return { status: 'ok', mode: this.config.mode };
  }
}
