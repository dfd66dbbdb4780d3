import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database, DATABASE } from '@pdp/db';
import { sweepDeadLetters } from '@pdp/dead-letters';
import { IdentityKeyring } from '@pdp/identity';
import { resealWebhookSecrets } from '@pdp/push';
import { Clock, CLOCK } from '@pdp/platform';
import { ErasureService } from './erasure';

const DAY_MS = 86_400_000;

/** What a retention sweep did, per class of data. */
export interface RetentionSweep {
  deadLetters: { purged: number; resealed: number };
  webhookSecrets: { resealed: number };
  persons: { erased: number };
}

/**
 * Keeps each class of data no longer than its retention (docs/operations.md, "Retention"):
 * dead letters RETENTION_DEAD_LETTER_DAYS after their rejection; a person's identity and
 * person-level rows RETENTION_PERSON_DAYS after her last activity in any flow (a leave, a
 * referral, a report, a consent, a decision), then erased as at her request, her counted facts
 * unlinked. Runs every hour, and on demand.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Retention');
  private timer?: NodeJS.Timeout;
  private running?: Promise<RetentionSweep>;

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    private readonly keyring: IdentityKeyring,
    private readonly erasure: ErasureService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweep('hub').then(
        (r) => {
          if (r.deadLetters.purged || r.deadLetters.resealed || r.persons.erased)
            this.logger.log(`retention: ${r.deadLetters.purged} dead letters removed, ${r.deadLetters.resealed} re-sealed, ${r.persons.erased} persons erased`);
        },
        (e: Error) => this.logger.warn(`retention sweep failed: ${e.message}`),
      );
    }, 3_600_000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One sweep at a time per process: a second caller gets the running one's result. */
  sweep(actor: string): Promise<RetentionSweep> {
    this.running ??= this.run(actor).finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(actor: string): Promise<RetentionSweep> {
    const now = this.clock();
    const deadLetters = await sweepDeadLetters(this.db, this.keyring, this.config.retention.deadLetterDays, now);
    const webhookSecrets = { resealed: await resealWebhookSecrets(this.db, this.keyring) };
    const cutoff = new Date(now.getTime() - this.config.retention.personDays * DAY_MS);
    let erased = 0;
    for (;;) {
      const persons = await this.inactiveSince(cutoff, 100);
      for (const person of persons)
        await this.erasure.erasePerson(person, {
          kind: 'retention',
          actor,
          reason: `no activity since ${cutoff.toISOString().slice(0, 10)} (RETENTION_PERSON_DAYS ${this.config.retention.personDays})`,
        });
      erased += persons.length;
      if (persons.length < 100) return { deadLetters, webhookSecrets, persons: { erased } };
    }
  }

  /** Persons whose every row is older than the cutoff: no leave, referral, report, consent, decision or identity since. */
  private async inactiveSince(cutoff: Date, limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ person_pseudonym: string }>(
      `SELECT person_pseudonym FROM (
         SELECT person_pseudonym, updated_at AS at FROM episodes
         UNION ALL SELECT person_pseudonym, updated_at FROM referrals
         UNION ALL SELECT person_pseudonym, received_at FROM accompaniment_reports
         UNION ALL SELECT person_pseudonym, recorded_at FROM consent_records
         UNION ALL SELECT person_pseudonym, updated_at FROM coordination_deliveries
         UNION ALL SELECT person_pseudonym, updated_at FROM identities
       ) activity GROUP BY person_pseudonym HAVING max(at) < $1 LIMIT $2`,
      [cutoff.toISOString(), limit],
    );
    return rows.map((r) => r.person_pseudonym);
  }
}
