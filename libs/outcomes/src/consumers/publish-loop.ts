import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { OUTCOME_SERVICES, OutcomeServices } from '../services';
import { publishStandardSnapshots } from '../snapshots';

/** Every METRICS_PUBLISH_INTERVAL_MS: publish the standard snapshots and the follow-up changes. */
@Injectable()
export class MetricsPublishLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly logger = new Logger('MetricsPublishLoop');

  constructor(@Inject(OUTCOME_SERVICES) private readonly outcomes: OutcomeServices) {}

  onApplicationBootstrap(): void {
    const every = this.outcomes.config.publishIntervalMs;
    if (every > 0) this.timer = setInterval(() => void this.tick(), every);
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await publishStandardSnapshots(this.outcomes);
      await this.outcomes.followUps.sweep();
    } catch (e) {
      this.logger.warn(`publish tick failed: ${(e as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
