import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HUB_RUNTIME, HubRuntime } from '@pdp/runtime';
import { publishStandardSnapshots } from '@pdp/outcomes';

/** Every METRICS_PUBLISH_INTERVAL_MS: publish the standard snapshots and the follow-up changes. */
@Injectable()
export class MetricsPublishLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly logger = new Logger('MetricsPublishLoop');

  constructor(@Inject(HUB_RUNTIME) private readonly rt: HubRuntime) {}

  onApplicationBootstrap(): void {
    const every = this.rt.outcomes.config.publishIntervalMs;
    if (every > 0) this.timer = setInterval(() => void this.tick(), every);
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await publishStandardSnapshots(this.rt.outcomes);
      await this.rt.outcomes.followUps.sweep();
    } catch (e) {
      this.logger.warn(`publish tick failed: ${(e as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
