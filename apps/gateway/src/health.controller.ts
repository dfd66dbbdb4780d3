import { Controller, Get, Inject } from '@nestjs/common';
import { HUB_RUNTIME, HubRuntime } from '@pdp/runtime';

@Controller()
export class HealthController {
  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  @Get('health')
  async health() {
    await this.rt.db.query('SELECT 1');
    return { status: 'ok', mode: this.rt.config.mode };
  }
}
