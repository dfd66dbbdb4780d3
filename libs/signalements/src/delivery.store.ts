import { ReferralDelivery } from '@pdp/contracts';
import { Sql } from '@pdp/db';
import { Decision } from './plan';

/** A decision already taken, as the writer compares a new one with it. */
export interface TakenDecision {
  delivery_id: string;
  status: string;
  reason_code: string;
  /** The delivered item's content key (null when withheld or pulled back). */
  idempotency_key: string | null;
}

const PENDING_COLUMNS = 'i.payload, p.fhir_endpoint, p.name AS partner_name, p.siret, p.finess, d.subject_type, d.subject_id, d.case_id, d.person_pseudonym, d.category';

/** A delivered item whose FHIR copy is still pending or failed. */
export interface PendingFhirCopy {
  payload: ReferralDelivery;
  fhir_endpoint: string | null;
  partner_name: string;
  siret: string | null;
  finess: string | null;
  subject_type: Decision['subjectType'];
  subject_id: string;
  case_id: string;
  person_pseudonym: string;
  category: string;
}

/** When a failed FHIR copy is pushed again (HubConfig.fhirRetry). */
export interface FhirRetryPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

/** What became of a FHIR copy (or of its cancellation). */
export interface FhirResult {
  id: string;
  status: 'delivered' | 'failed' | 'cancelled';
  task: string | null;
}

/** An item delivered under a consent, as a withdrawal of that consent finds it. */
export interface ConsentedDelivery {
  delivery_id: string;
  partner_id: string;
  case_id: string;
  subject_id: string;
  subject_type: 'signalement';
  inbox_status: string | null;
  fhir_endpoint: string | null;
}

/**
 * The coordination_deliveries table (one decision per subject and recipient category:
 * delivered, withheld or pulled back) and the inbox items the delivered ones put in the
 * partners' durable inboxes, with their outbox and FHIR markers.
 */
export class DeliveryStore {
  constructor(
    private readonly db: Sql,
    private readonly retry: FhirRetryPolicy,
  ) {}

  /** The decisions already taken among these ids, by id. */
  async taken(tx: Sql, ids: string[]): Promise<Map<string, TakenDecision>> {
    return new Map(
      (
        await tx.query<TakenDecision>(
          `SELECT d.delivery_id, d.status, d.reason_code, i.idempotency_key
             FROM coordination_deliveries d LEFT JOIN inbox_items i ON i.item_id = d.inbox_item_id WHERE d.delivery_id = ANY($1::text[])`,
          [ids],
        )
      ).rows.map((r) => [r.delivery_id, r]),
    );
  }

  /** Records new decisions; a withheld one already recorded is replaced, any other stands. */
  async save(tx: Sql, changed: Decision[]): Promise<void> {
    const c = <T>(f: (d: Decision) => T) => changed.map(f);
    await tx.query(
      `INSERT INTO coordination_deliveries (delivery_id, subject_type, subject_id, case_id, person_pseudonym, category, partner_id, status, reason_code, reason,
           purpose, legal_basis, consent_id, rule_ids, rules_version, irdp_shared, inbox_item_id, fhir_status, fhir_next_at)
         SELECT t.a, t.b, t.c, t.d, t.e, t.f, t.g, t.h, t.i, t.j, t.k, t.l, t.m, string_to_array(t.n, ','), t.o, t.p, t.q, t.r,
                CASE WHEN t.r = 'pending' THEN now() + make_interval(secs => $19::double precision / 1000) END
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::boolean[], $17::text[], $18::text[])
             AS t(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r)
         ON CONFLICT (delivery_id) DO UPDATE SET partner_id = excluded.partner_id, status = excluded.status, reason_code = excluded.reason_code, reason = excluded.reason,
           legal_basis = excluded.legal_basis, consent_id = excluded.consent_id, rule_ids = excluded.rule_ids, rules_version = excluded.rules_version,
           irdp_shared = excluded.irdp_shared, inbox_item_id = excluded.inbox_item_id, fhir_status = excluded.fhir_status,
           fhir_attempts = 0, fhir_next_at = excluded.fhir_next_at, updated_at = now()
         WHERE coordination_deliveries.status = 'withheld'`,
      [
        c((d) => d.decisionId),
        c((d) => d.subjectType),
        c((d) => d.subjectId),
        c((d) => d.caseId),
        c((d) => d.personPseudonym),
        c((d) => d.category),
        c((d) => d.partner?.partnerId ?? null),
        c((d) => d.status),
        c((d) => d.reasonCode),
        c((d) => d.reason),
        c((d) => d.purpose ?? null),
        c((d) => d.legalBasis ?? null),
        c((d) => d.consentId ?? null),
        c((d) => d.ruleIds.join(',')),
        c((d) => d.rulesVersion),
        c((d) => d.irdpShared),
        c((d) => (d.status === 'delivered' ? d.decisionId : null)),
        c((d) => (d.status === 'delivered' && d.partner?.fhirEndpoint ? 'pending' : null)),
        // A pending copy is pushed right after the commit; should that push never happen (the
        // process stopped), the retries take it up once this grace has passed.
        this.retry.baseMs,
      ],
    );
  }

  /** Puts delivered decisions in their partners' inboxes (an item already there stays as it is). */
  async addInboxItems(tx: Sql, delivered: Decision[]): Promise<void> {
    const c = <T>(f: (d: Decision) => T) => delivered.map(f);
    await tx.query(
      `INSERT INTO inbox_items (item_id, partner_id, episode_id, item_type, version, idempotency_key, legal_basis, payload, status)
         SELECT t.a, t.b, t.c, t.d, 1, t.e, t.f, t.g, 'new' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[]) AS t(a, b, c, d, e, f, g)
         ON CONFLICT DO NOTHING`,
      [
        c((d) => d.decisionId),
        c((d) => d.partner!.partnerId),
        c((d) => d.subjectId),
        c((d) => d.subjectType),
        c((d) => d.delivery!.idempotencyKey),
        c((d) => d.legalBasis!),
        c((d) => JSON.stringify(d.delivery)),
      ],
    );
  }

  /**
   * Corrections: delivered items whose content changed (a re-sent signalement or report) take
   * their new content in a new version, pending again for their recipient, and their FHIR copy
   * is due again. Returns each item's new version.
   */
  async correct(tx: Sql, corrected: Decision[]): Promise<Map<string, number>> {
    const { rows } = await tx.query<{ item_id: string; version: number }>(
      `WITH fhir AS (
         UPDATE coordination_deliveries d SET fhir_status = 'pending', fhir_attempts = 0,
                fhir_next_at = now() + make_interval(secs => $4::double precision / 1000), updated_at = now()
          WHERE d.delivery_id = ANY($1::text[]) AND d.fhir_status IS NOT NULL)
       UPDATE inbox_items i SET payload = t.p::json, idempotency_key = t.k, version = i.version + 1, status = 'updated',
              updated_at = now(), acknowledged_at = NULL
         FROM unnest($1::text[], $2::text[], $3::text[]) AS t(i, k, p) WHERE i.item_id = t.i
       RETURNING i.item_id, i.version`,
      [corrected.map((d) => d.decisionId), corrected.map((d) => d.delivery!.idempotencyKey), corrected.map((d) => JSON.stringify(d.delivery)), this.retry.baseMs],
    );
    return new Map(rows.map((r) => [r.item_id, r.version]));
  }

  /** The outbox marker: these inbox items are published in their current version. */
  async markPublished(itemIds: string[]): Promise<void> {
    await this.db.query('UPDATE inbox_items SET published_version = version WHERE item_id = ANY($1::text[])', [itemIds]);
  }

  /** Delivered items whose FHIR copy is pending or failed, oldest change first (ops: push them all again, from a first attempt). */
  async pendingFhir(limit: number): Promise<PendingFhirCopy[]> {
    const { rows } = await this.db.query<PendingFhirCopy>(
      `UPDATE coordination_deliveries d SET fhir_attempts = 0
         FROM inbox_items i, partners p
        WHERE i.item_id = d.inbox_item_id AND p.partner_id = d.partner_id AND d.delivery_id IN (
              SELECT delivery_id FROM coordination_deliveries
               WHERE status = 'delivered' AND fhir_status IN ('pending', 'failed') ORDER BY updated_at LIMIT $1)
          AND p.fhir_endpoint IS NOT NULL
        RETURNING ${PENDING_COLUMNS}`,
      [limit],
    );
    return rows;
  }

  /**
   * The copies whose next push is due, claimed for leaseMs (another process running the
   * retries skips them meanwhile; a push that never reports back is due again after it).
   */
  async claimDueFhir(limit: number, leaseMs: number): Promise<PendingFhirCopy[]> {
    const { rows } = await this.db.query<PendingFhirCopy>(
      `WITH due AS (
         SELECT delivery_id FROM coordination_deliveries
          WHERE fhir_next_at <= now() AND status = 'delivered' AND fhir_status IN ('pending', 'failed')
          ORDER BY fhir_next_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE coordination_deliveries d SET fhir_next_at = now() + make_interval(secs => $2::double precision / 1000)
         FROM due, inbox_items i, partners p
        WHERE d.delivery_id = due.delivery_id AND i.item_id = d.inbox_item_id AND p.partner_id = d.partner_id
        RETURNING ${PENDING_COLUMNS}`,
      [limit, leaseMs],
    );
    return rows;
  }

  /** How many of these deliveries have their FHIR copy delivered. */
  async countFhirDelivered(ids: string[]): Promise<number> {
    const done = await this.db.query<{ n: string }>("SELECT count(*) AS n FROM coordination_deliveries WHERE delivery_id = ANY($1::text[]) AND fhir_status = 'delivered'", [ids]);
    return Number(done.rows[0].n);
  }

  /**
   * Records what became of FHIR copies (the task of a delivered one). A failed one is due again
   * after an exponential backoff with jitter, until the policy's last attempt: then it stays
   * 'failed' with nothing due (given up; ops may push it again).
   */
  async recordFhirResults(results: FhirResult[]): Promise<{ givenUp: string[] }> {
    const { rows } = await this.db.query<{ delivery_id: string; given_up: boolean }>(
      `UPDATE coordination_deliveries c SET fhir_status = t.s, fhir_task = coalesce(t.k, c.fhir_task), updated_at = now(),
              fhir_attempts = CASE WHEN t.s = 'failed' THEN c.fhir_attempts + 1 ELSE c.fhir_attempts END,
              fhir_next_at = CASE WHEN t.s <> 'failed' OR c.fhir_attempts + 1 >= $6 THEN NULL
                                  ELSE now() + make_interval(secs => least($5::double precision, $4::double precision * 2 ^ c.fhir_attempts) * (0.75 + random() / 2) / 1000) END
         FROM unnest($1::text[], $2::text[], $3::text[]) AS t(i, s, k) WHERE c.delivery_id = t.i
       RETURNING c.delivery_id, (t.s = 'failed' AND c.fhir_next_at IS NULL) AS given_up`,
      [results.map((r) => r.id), results.map((r) => r.status), results.map((r) => r.task), this.retry.baseMs, this.retry.maxMs, this.retry.maxAttempts],
    );
    return { givenUp: rows.filter((r) => r.given_up).map((r) => r.delivery_id) };
  }

  /**
   * A person's items delivered to a category under consent (only those that shared the IRDP:
   * irdpOnly), locked until the transaction ends, with their inbox status and FHIR endpoint.
   */
  async deliveredUnderConsent(tx: Sql, person: string, category: string, irdpOnly: boolean): Promise<ConsentedDelivery[]> {
    const { rows } = await tx.query<ConsentedDelivery>(
      `SELECT d.delivery_id, d.partner_id, d.case_id, d.subject_id, d.subject_type, i.status AS inbox_status, p.fhir_endpoint
           FROM coordination_deliveries d LEFT JOIN inbox_items i ON i.item_id = d.inbox_item_id JOIN partners p ON p.partner_id = d.partner_id
          WHERE d.person_pseudonym = $1 AND d.category = $2 AND d.status = 'delivered' AND d.legal_basis = 'consent' AND ($3::boolean = false OR d.irdp_shared)
          FOR UPDATE OF d`,
      [person, category, irdpOnly],
    );
    return rows;
  }

  /** Takes these items out of the partners' inboxes. */
  async removeInboxItems(tx: Sql, ids: string[]): Promise<void> {
    await tx.query('DELETE FROM inbox_items WHERE item_id = ANY($1::text[])', [ids]);
  }

  /** Marks decisions as undone by a consent withdrawal (status: pulled back, or withheld to be decided again). */
  async markWithdrawn(tx: Sql, ids: string[], status: 'withheld' | 'pulled-back', reason: string): Promise<void> {
    await tx.query(`UPDATE coordination_deliveries SET status = $2, reason_code = 'consent-withdrawn', reason = $3, inbox_item_id = NULL, updated_at = now() WHERE delivery_id = ANY($1::text[])`, [
      ids,
      status,
      reason,
    ]);
  }
}
