import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Signalements } from './signalements';

/**
 * Pushes again, by itself, the FHIR copies whose partner endpoint failed, each when its backoff
 * has passed (docs/integrators.md, "FHIR"). Runs where the signalements are consumed; several
 * processes may run it at once, each claims the copies it pushes.
 */
@Injectable()
export class FhirRetries implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('FhirRetries');
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly signalements: Signalements,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Looks for due copies at half the shortest backoff, at most every 5 s: a copy waits little
    // past its due time, and an idle hub makes one indexed query every few seconds.
    const every = Math.min(5_000, Math.max(100, Math.floor(this.config.fhirRetry.baseMs / 2)));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let round = 0; round < 10; round++) {
        const r = await this.signalements.writer.retryDueFhir(100);
        if (r.retried) this.logger.log(`FHIR retries: ${r.delivered} of ${r.retried} delivered`);
        if (r.retried < 100) break;
      }
    } catch (e) {
      this.logger.warn(`FHIR retries failed: ${(e as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
