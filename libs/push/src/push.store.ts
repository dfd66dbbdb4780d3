import { afterPosition, ListPosition, positionOf, Sql } from '@pdp/db';
import type { SealedIdentity } from '@pdp/identity';

/** Where a partner's own system is pushed to: its webhook, or its FHIR endpoint (the sick-leave alerts). */
export type PushChannel = 'webhook' | 'fhir';
export type PushEventType = 'inbox.item.delivered' | 'inbox.item.retracted';
export type PushStatus = 'pending' | 'delivered' | 'superseded' | 'parked';

/** An event of the outbox, as the dispatcher claims it. */
export interface DuePush {
  event_id: string;
  channel: PushChannel;
  partner_id: string;
  event_type: PushEventType;
  item_id: string;
  item_version: number | null;
  notice: object | null;
  person_pseudonym: string | null;
  attempts: number;
}

/** What one push came to: taken, failed (HTTP status or network error), or nothing left to send. */
export interface PushAttempt {
  eventId: string;
  outcome: 'delivered' | 'failed' | 'superseded';
  httpStatus?: number;
  error?: string;
  /** What the partner's system made of it (a FHIR Task's reference). */
  remoteRef?: string;
}

/** When a failed push is made again, and when it is parked (HubConfig.webhooks, HubConfig.fhirRetry). */
export interface PushRetryPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

/** A partner's push addresses: its webhook with the signing secret as sealed, its FHIR endpoint. */
export interface PushTarget {
  partnerId: string;
  webhook: { url: string; secret: SealedIdentity } | null;
  fhirEndpoint: string | null;
  /** Its name and national identifiers, for the FR Core Organization that owns its Tasks. */
  organization: { name: string; siret: string | null; finess: string | null };
}

/** One line of the operators' list. */
export interface PushDeliveryView {
  eventId: string;
  channel: PushChannel;
  partnerId: string;
  type: PushEventType;
  itemId: string;
  version: number | null;
  status: PushStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  remoteRef: string | null;
  nextAt: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  position: ListPosition;
}

interface ViewRow {
  event_id: string;
  channel: PushChannel;
  partner_id: string;
  event_type: PushEventType;
  item_id: string;
  item_version: number | null;
  status: PushStatus;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  remote_ref: string | null;
  next_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  delivered_at: Date | string | null;
  position: string;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** An event to put in the outbox: an item version, or a retraction notice (kept whole). */
export interface PushEventInput {
  partnerId: string;
  type: PushEventType;
  itemId: string;
  version: number | null;
  person: string | null;
  notice?: object;
  /** Whether the partner's FHIR endpoint takes it too (the sick-leave alerts; referrals have their own FHIR copies). */
  fhir: boolean;
  /** The event's id on each channel. */
  ids: { webhook: string; fhir: string };
}

/**
 * Puts the events in the outbox, in the caller's transaction, once per channel the partner
 * has (one statement; nothing for a partner without one).
 */
export async function enqueuePushEvents(tx: Sql, events: readonly PushEventInput[]): Promise<void> {
  if (events.length === 0) return;
  // The sick-leave router calls this for every batch, and most partners have no push channel: a
  // look-up that plans in no time settles that, before the statement that writes (docs/performance.md).
  const { rows } = await tx.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM partners WHERE partner_id = ANY($1::text[]) AND (webhook_url IS NOT NULL OR fhir_endpoint IS NOT NULL)) AS any', [
    [...new Set(events.map((e) => e.partnerId))],
  ]);
  if (!rows[0].any) return;
  await tx.query(
    // The few partners with a push channel, read once and hashed.
    `WITH pt AS (
       SELECT partner_id, webhook_url IS NOT NULL AS w, fhir_endpoint IS NOT NULL AS h FROM partners
        WHERE webhook_url IS NOT NULL OR fhir_endpoint IS NOT NULL),
     x AS (
       SELECT x.*, pt.w, x.f AND pt.h AS h
         FROM json_to_recordset($1::json) AS x(o int, e text, g text, f boolean, p text, t text, i text, v int, s text, n json)
         JOIN pt ON pt.partner_id = x.p),
     pushed AS (
       SELECT o, e AS id, 'webhook' AS c, p, t, i, v, s, n FROM x WHERE w
       UNION ALL SELECT o, g, 'fhir', p, t, i, v, s, n FROM x WHERE h),
     -- A delivery still waiting to go out about an item that changed again or was withdrawn has
     -- nothing left to say: the new event says it.
     stale AS (
       UPDATE push_deliveries d SET status = 'superseded', next_at = NULL, updated_at = now()
         FROM pushed WHERE d.item_id = pushed.i AND d.channel = pushed.c AND d.status = 'pending' AND d.event_type = 'inbox.item.delivered')
     INSERT INTO push_deliveries (event_id, channel, partner_id, event_type, item_id, item_version, person_pseudonym, notice, next_at)
     -- In the order given: the pushes about one item go out in the order of its events (seq).
     SELECT id, c, p, t, i, v, s, n, now() FROM pushed ORDER BY o, c
     ON CONFLICT (event_id) DO NOTHING`,
    [JSON.stringify(events.map((e, o) => ({ o, e: e.ids.webhook, g: e.ids.fhir, f: e.fhir, p: e.partnerId, t: e.type, i: e.itemId, v: e.version, s: e.person, n: e.notice ?? null })))],
  );
}

/**
 * The push outbox (push_deliveries) and the partners' webhook columns. Events are written in the
 * transaction that changes an inbox, once per channel the partner has, and leave the outbox in a
 * terminal state: delivered, superseded or parked.
 */
export class PushStore {
  constructor(
    private readonly db: Sql,
    private readonly retry: Record<PushChannel, PushRetryPolicy>,
  ) {}

  /** Claims due events for `leaseMs` (several processes may dispatch: each takes its own). */
  async claimDue(limit: number, leaseMs: number): Promise<DuePush[]> {
    const { rows } = await this.db.query<DuePush>(
      `WITH due AS (
         SELECT event_id FROM push_deliveries w WHERE status = 'pending' AND next_at <= now()
            AND NOT EXISTS (SELECT 1 FROM push_deliveries o WHERE o.item_id = w.item_id AND o.channel = w.channel AND o.status = 'pending' AND o.seq < w.seq)
          ORDER BY next_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE push_deliveries w SET next_at = now() + make_interval(secs => $2::double precision / 1000)
         FROM due WHERE w.event_id = due.event_id
       RETURNING w.event_id, w.channel, w.partner_id, w.event_type, w.item_id, w.item_version, w.notice, w.person_pseudonym, w.attempts`,
      [limit, leaseMs],
    );
    return rows;
  }

  /** The current deliveries of these inbox items (an item gone is absent). */
  async items(itemIds: string[]): Promise<Map<string, { version: number; payload: string }>> {
    if (itemIds.length === 0) return new Map();
    const { rows } = await this.db.query<{ item_id: string; version: number; payload: string }>('SELECT item_id, version, payload::text AS payload FROM inbox_items WHERE item_id = ANY($1::text[])', [
      itemIds,
    ]);
    return new Map(rows.map((r) => [r.item_id, { version: r.version, payload: r.payload }]));
  }

  async targets(partnerIds: string[]): Promise<Map<string, PushTarget>> {
    const { rows } = await this.db.query<{
      partner_id: string;
      webhook_url: string | null;
      webhook_secret_key_id: string | null;
      webhook_secret_sealed: Buffer | null;
      fhir_endpoint: string | null;
      name: string;
      siret: string | null;
      finess: string | null;
    }>('SELECT partner_id, webhook_url, webhook_secret_key_id, webhook_secret_sealed, fhir_endpoint, name, siret, finess FROM partners WHERE partner_id = ANY($1::text[])', [partnerIds]);
    return new Map(
      rows.map((r) => [
        r.partner_id,
        {
          partnerId: r.partner_id,
          webhook: r.webhook_url && r.webhook_secret_sealed ? { url: r.webhook_url, secret: { keyId: r.webhook_secret_key_id!, sealed: Buffer.from(r.webhook_secret_sealed) } } : null,
          fhirEndpoint: r.fhir_endpoint,
          organization: { name: r.name, siret: r.siret, finess: r.finess },
        },
      ]),
    );
  }

  /**
   * Records attempts of one channel: a delivered or superseded event is done; a failed one is
   * due again after an exponential backoff with jitter, or parked at the policy's last attempt.
   * Returns the events parked now.
   */
  async record(channel: PushChannel, attempts: PushAttempt[]): Promise<{ parked: { eventId: string; partnerId: string; itemId: string }[] }> {
    if (attempts.length === 0) return { parked: [] };
    const policy = this.retry[channel];
    const { rows } = await this.db.query<{ event_id: string; partner_id: string; item_id: string; status: string }>(
      `UPDATE push_deliveries w SET
              attempts = CASE WHEN t.o = 'superseded' THEN w.attempts ELSE w.attempts + 1 END,
              status = CASE WHEN t.o = 'delivered' THEN 'delivered' WHEN t.o = 'superseded' THEN 'superseded'
                            WHEN w.attempts + 1 >= $4 THEN 'parked' ELSE 'pending' END,
              next_at = CASE WHEN t.o = 'failed' AND w.attempts + 1 < $4
                             THEN now() + make_interval(secs => least($3::double precision, $2::double precision * 2 ^ w.attempts) * (0.75 + random() / 2) / 1000) END,
              last_status = coalesce(t.h, w.last_status), last_error = CASE WHEN t.o = 'failed' THEN t.x ELSE w.last_error END,
              remote_ref = coalesce(t.r, w.remote_ref), delivered_at = CASE WHEN t.o = 'delivered' THEN now() END, updated_at = now(),
              -- An erased person's notice (no person in its columns) is kept until delivered only.
              notice = CASE WHEN t.o = 'delivered' AND w.person_pseudonym IS NULL AND w.event_type = 'inbox.item.retracted' THEN NULL ELSE w.notice END
         FROM json_to_recordset($1::json) AS t(e text, o text, h int, x text, r text)
        WHERE w.event_id = t.e AND w.status = 'pending'
       RETURNING w.event_id, w.partner_id, w.item_id, w.status`,
      [
        JSON.stringify(attempts.map((a) => ({ e: a.eventId, o: a.outcome, h: a.httpStatus ?? null, x: a.error?.slice(0, 500) ?? null, r: a.remoteRef ?? null }))),
        policy.baseMs,
        policy.maxMs,
        policy.maxAttempts,
      ],
    );
    return { parked: rows.filter((r) => r.status === 'parked').map((r) => ({ eventId: r.event_id, partnerId: r.partner_id, itemId: r.item_id })) };
  }

  /**
   * Puts events back to be sent now, from a first attempt: those named (whatever their state,
   * a partner may have lost what it received), else a partner's parked ones. Returns their ids.
   */
  async replay(selection: { eventIds?: string[]; partnerId?: string }, limit: number): Promise<string[]> {
    const params: unknown[] = [limit];
    const where = selection.eventIds ? `event_id = ANY($${params.push(selection.eventIds)}::text[])` : `partner_id = $${params.push(selection.partnerId)} AND status = 'parked'`;
    const { rows } = await this.db.query<{ event_id: string }>(
      `UPDATE push_deliveries SET status = 'pending', attempts = 0, next_at = now(), updated_at = now(), delivered_at = NULL
        WHERE event_id IN (SELECT event_id FROM push_deliveries WHERE ${where} ORDER BY seq LIMIT $1)
       RETURNING event_id`,
      params,
    );
    return rows.map((r) => r.event_id);
  }

  /** The operators' list, newest change first: by partner, channel, status, within a period of last change. */
  async list(f: { partnerId?: string; channel?: string; status?: string; from?: string; to?: string }, limit: number, after?: ListPosition): Promise<PushDeliveryView[]> {
    const params: unknown[] = [limit];
    const where: string[] = [];
    if (f.partnerId) where.push(`partner_id = $${params.push(f.partnerId)}`);
    if (f.channel) where.push(`channel = $${params.push(f.channel)}`);
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    if (f.from) where.push(`updated_at >= $${params.push(f.from)}::timestamptz`);
    if (f.to) where.push(`updated_at < $${params.push(f.to)}::timestamptz`);
    if (after) where.push(afterPosition(params, 'updated_at', 'event_id', after, 'desc'));
    const { rows } = await this.db.query<ViewRow>(
      `SELECT event_id, channel, partner_id, event_type, item_id, item_version, status, attempts, last_status, last_error, remote_ref, next_at, created_at, updated_at, delivered_at,
              ${positionOf('updated_at')} AS position
         FROM push_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, event_id DESC LIMIT $1`,
      params,
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      channel: r.channel,
      partnerId: r.partner_id,
      type: r.event_type,
      itemId: r.item_id,
      version: r.item_version,
      status: r.status,
      attempts: r.attempts,
      lastStatus: r.last_status,
      lastError: r.last_error,
      remoteRef: r.remote_ref,
      nextAt: r.status === 'pending' ? iso(r.next_at) : null,
      createdAt: iso(r.created_at)!,
      updatedAt: iso(r.updated_at)!,
      deliveredAt: iso(r.delivered_at),
      position: { at: r.position, id: r.event_id },
    }));
  }

  /** A partner's events on a channel, by status. */
  async counts(partnerId: string, channel: PushChannel): Promise<Record<PushStatus, number>> {
    const { rows } = await this.db.query<{ status: PushStatus; n: string }>('SELECT status, count(*) AS n FROM push_deliveries WHERE partner_id = $1 AND channel = $2 GROUP BY status', [
      partnerId,
      channel,
    ]);
    const out: Record<PushStatus, number> = { pending: 0, delivered: 0, superseded: 0, parked: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  async webhookUrl(partnerId: string): Promise<string | null> {
    const { rows } = await this.db.query<{ webhook_url: string | null }>('SELECT webhook_url FROM partners WHERE partner_id = $1', [partnerId]);
    return rows[0]?.webhook_url ?? null;
  }

  /** Sets a partner's webhook; a secret given replaces the stored one, none keeps it. */
  async setWebhook(partnerId: string, url: string, secret: SealedIdentity | null): Promise<void> {
    await this.db.query(
      `UPDATE partners SET webhook_url = $2, webhook_secret_key_id = coalesce($3, webhook_secret_key_id), webhook_secret_sealed = coalesce($4, webhook_secret_sealed) WHERE partner_id = $1`,
      [partnerId, url, secret?.keyId ?? null, secret?.sealed ?? null],
    );
  }

  /** Removes a partner's webhook and its secret; what was still pending for it is parked (a replay after a new URL sends it). */
  async removeWebhook(partnerId: string): Promise<number> {
    await this.db.query('UPDATE partners SET webhook_url = NULL, webhook_secret_key_id = NULL, webhook_secret_sealed = NULL WHERE partner_id = $1', [partnerId]);
    const r = await this.db.query(
      "UPDATE push_deliveries SET status = 'parked', last_error = 'the partner removed its webhook', next_at = NULL, updated_at = now() WHERE partner_id = $1 AND channel = 'webhook' AND status = 'pending'",
      [partnerId],
    );
    return r.rowCount;
  }

  /** Whether a partner holds a webhook secret already. */
  async hasSecret(partnerId: string): Promise<boolean> {
    const { rows } = await this.db.query<{ has: boolean }>('SELECT webhook_secret_sealed IS NOT NULL AS has FROM partners WHERE partner_id = $1', [partnerId]);
    return rows[0]?.has ?? false;
  }
}
