import { CaseEvent, ParkedCase } from '@pdp/contracts';
import { afterPosition, asRecordset, ListPosition, positionOf, Sql } from '@pdp/db';

/** A parked case as released: its id and the case event to send back through routing. */
export interface ParkedCaseEvent {
  parkedId: string;
  caseEvent: CaseEvent;
}

/** A parked case as the ops list shows it. */
export interface ParkedSummary {
  parkedId: string;
  reasonCode: string;
  reason: string;
  employerSiret: string;
  parkedAt: string;
}

type ParkedCaseEventRow = { parked_id: string; case_event: CaseEvent };
const toParkedCaseEvent = (r: ParkedCaseEventRow): ParkedCaseEvent => ({ parkedId: r.parked_id, caseEvent: r.case_event });

/**
 * The parked_cases table: case events that cannot reach an inbox yet (employer unknown,
 * consent no longer in force), kept until the cause is fixed and then released. Beside the
 * inbox store, as a parked case is a delivery waiting for its inbox; the router, the adhesion
 * directory and the consent registry all reach it from here.
 */
export class ParkedCaseStore {
  constructor(private readonly db: Sql) {}

  /**
   * Parks case events, or re-parks them (released again to NULL) when the stored version is not
   * newer.
   */
  async park(tx: Sql, records: readonly ParkedCase[]): Promise<void> {
    await tx.query(
      `INSERT INTO parked_cases (parked_id, episode_id, reason_code, reason, employer_siret, case_event)
       SELECT "parkedId", "caseEvent"->>'episodeId', "reasonCode", reason, "caseEvent"->>'employerSiret', "caseEvent"
         FROM jsonb_to_recordset($1::jsonb) AS x("parkedId" text, "reasonCode" text, reason text, "caseEvent" jsonb)
       ON CONFLICT (parked_id) DO UPDATE SET case_event = excluded.case_event, reason = excluded.reason, reason_code = excluded.reason_code,
         employer_siret = excluded.employer_siret, released_at = NULL, parked_at = now()
       WHERE (parked_cases.case_event->>'episodeVersion')::int <= (excluded.case_event->>'episodeVersion')::int`,
      [asRecordset(records as unknown as Record<string, unknown>[])],
    );
  }

  /** The reason an episode's case is parked, if it is (a sick-leave case is parked under its episode id). */
  async reasonParked(episodeId: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ reason: string }>('SELECT reason FROM parked_cases WHERE parked_id = $1 AND released_at IS NULL', [episodeId]);
    return rows[0]?.reason;
  }

  /** A page of the cases still parked, oldest first, filtered by reason, employer and period: `limit + 1` rows when a next page exists. */
  async unreleased(
    filter: { reasonCode?: string; employerSiret?: string; from?: string; to?: string },
    limit: number,
    after?: ListPosition,
  ): Promise<{ item: ParkedSummary; position: ListPosition }[]> {
    const params: unknown[] = [limit + 1];
    const where = ['released_at IS NULL'];
    if (filter.reasonCode) where.push(`reason_code = $${params.push(filter.reasonCode)}`);
    if (filter.employerSiret) where.push(`employer_siret = $${params.push(filter.employerSiret)}`);
    if (filter.from) where.push(`parked_at >= $${params.push(filter.from)}::timestamptz`);
    if (filter.to) where.push(`parked_at < $${params.push(filter.to)}::timestamptz`);
    if (after) where.push(afterPosition(params, 'parked_at', 'parked_id', after));
    const { rows } = await this.db.query<{ parked_id: string; reason_code: string; reason: string; employer_siret: string; parked_at: Date; position: string }>(
      `SELECT parked_id, reason_code, reason, employer_siret, parked_at, ${positionOf('parked_at')} AS position
         FROM parked_cases WHERE ${where.join(' AND ')} ORDER BY parked_at, parked_id LIMIT $1`,
      params,
    );
    return rows.map((r) => ({
      item: { parkedId: r.parked_id, reasonCode: r.reason_code, reason: r.reason, employerSiret: r.employer_siret, parkedAt: new Date(r.parked_at).toISOString() },
      position: { at: r.position, id: r.parked_id },
    }));
  }

  /** Cases still parked for these employers (whatever the reason). */
  async unreleasedOfEmployers(sirets: string[]): Promise<ParkedCaseEvent[]> {
    const { rows } = await this.db.query<ParkedCaseEventRow>(`SELECT parked_id, case_event FROM parked_cases WHERE released_at IS NULL AND employer_siret = ANY($1::char(14)[])`, [sirets]);
    return rows.map(toParkedCaseEvent);
  }

  /** A person's episodes still parked because their consent was refused or withdrawn. */
  async consentParkedOf(personPseudonym: string): Promise<ParkedCaseEvent[]> {
    const { rows } = await this.db.query<ParkedCaseEventRow>(
      `SELECT parked_id, case_event FROM parked_cases
      WHERE parked_id IN (SELECT episode_id FROM episodes WHERE person_pseudonym = $1)
        AND released_at IS NULL AND reason_code LIKE 'consent-%' AND case_event->>'personPseudonym' = $1`,
      [personPseudonym],
    );
    return rows.map(toParkedCaseEvent);
  }

  /** Marks cases released: they were sent back through routing. */
  async markReleased(parkedIds: string[]): Promise<void> {
    await this.db.query('UPDATE parked_cases SET released_at = now() WHERE parked_id = ANY($1::text[])', [parkedIds]);
  }
}
