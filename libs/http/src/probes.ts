import { Controller, Get, Header, Inject, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database, DATABASE } from '@pdp/db';
import { isObservable, MESSAGE_BUS, MessageBus } from '@pdp/bus';
import { hubMetrics } from '@pdp/observability';

/**
 * Liveness, readiness and metrics of every service (docs/operations.md, "Probes and metrics"):
 * `/health/live` answers while the process does; `/health/ready` while its database answers and
 * each of its consumer groups has joined and not crashed; `/metrics` in Prometheus's format.
 * `/health` stays the short answer it always was.
 */
@Controller()
export class ProbesController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(DATABASE) private readonly db: Database,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  @Get('health')
  async summary() {
    await this.db.query('SELECT 1');
    return { status: 'ok', mode: this.config.mode };
  }

  @Get('health/live')
  @HealthCheck()
  live() {
    return this.health.check([async () => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()) })]);
  }

  @Get('health/ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      async () => {
        const db = this.indicators.check('database');
        try {
          await this.db.query('SELECT 1');
          return db.up();
        } catch (e) {
          return db.down({ message: (e as Error).message });
        }
      },
      async () => {
        const consumers = this.indicators.check('consumers');
        const states = Object.fromEntries(isObservable(this.bus) ? this.bus.consumerStates() : []);
        const notJoined = Object.entries(states).filter(([, state]) => state !== 'joined');
        return notJoined.length ? consumers.down({ groups: states }) : consumers.up({ groups: states });
      },
    ]);
  }

  @Get('metrics')
  @Header('Content-Type', hubMetrics.registry.contentType)
  metrics() {
    return hubMetrics.registry.metrics();
  }
}

/** The probes and metrics: every app imports it (HttpModule does for the apps serving the API; workers listen on PROBE_PORT). */
@Module({ imports: [TerminusModule], controllers: [ProbesController] })
export class ProbesModule {}
