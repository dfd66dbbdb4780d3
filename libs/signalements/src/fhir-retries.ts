import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { RepeatingTask } from '@pdp/platform';
import { Signalements } from './signalements';

/**
 * Pushes again, by itself, the FHIR copies whose partner endpoint failed, each when its backoff
 * has passed (docs/integrators.md, "FHIR"). Runs where the signalements are consumed; several
 * processes may run it at once, each claims the copies it pushes.
 */
@Injectable()
export class FhirRetries implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('FhirRetries');
  private readonly task: RepeatingTask;

  constructor(
    private readonly signalements: Signalements,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    // Looks for due copies at half the shortest backoff, at most every 5 s: a copy waits little
    // past its due time, and an idle hub makes one indexed query every few seconds.
    const every = Math.min(5_000, Math.max(100, Math.floor(config.fhirRetry.baseMs / 2)));
    this.task = new RepeatingTask('FhirRetries', every, async () => {
      const r = await this.signalements.writer.retryDueFhir(100);
      if (r.retried) this.logger.log(`FHIR retries: ${r.delivered} of ${r.retried} delivered`);
      return r.retried === 100;
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): void {
    this.task.stop();
  }
}
