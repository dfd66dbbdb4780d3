import { afterPosition, ListPosition, positionOf, Sql } from '@pdp/db';
import type { SealedIdentity } from '@pdp/identity';

/** An event of the outbox, as the dispatcher claims it. */
export interface DueWebhook {
  event_id: string;
  partner_id: string;
  event_type: WebhookEventType;
  item_id: string;
  item_version: number | null;
  notice: object | null;
  attempts: number;
}

export type WebhookEventType = 'inbox.item.delivered' | 'inbox.item.retracted';
export type WebhookStatus = 'pending' | 'delivered' | 'superseded' | 'parked';

/** What one attempt came to: a 2xx, a failure (HTTP status or network error), or nothing to send. */
export interface WebhookAttempt {
  eventId: string;
  outcome: 'delivered' | 'failed' | 'superseded';
  httpStatus?: number;
  error?: string;
}

/** When a failed call is made again, and when it is parked (HubConfig.webhooks). */
export interface WebhookRetryPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

/** A partner's webhook: where to call, and the signing secret as sealed. */
export interface WebhookTarget {
  partnerId: string;
  url: string;
  secret: SealedIdentity;
}

/** One line of the operators' list. */
export interface WebhookDeliveryView {
  eventId: string;
  partnerId: string;
  type: WebhookEventType;
  itemId: string;
  version: number | null;
  status: WebhookStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAt: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  position: ListPosition;
}

interface ViewRow {
  event_id: string;
  partner_id: string;
  event_type: WebhookEventType;
  item_id: string;
  item_version: number | null;
  status: WebhookStatus;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  delivered_at: Date | string | null;
  position: string;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** An event to put in the outbox: an item version, or a retraction notice (kept whole). */
export interface WebhookEventInput {
  eventId: string;
  partnerId: string;
  type: WebhookEventType;
  itemId: string;
  version: number | null;
  person: string | null;
  notice?: object;
}

/**
 * Puts the events of partners with a webhook in the outbox, in the caller's transaction (one
 * statement; an event already there is left as it is).
 */
export async function enqueueWebhookEvents(tx: Sql, events: readonly WebhookEventInput[]): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `WITH x AS (
       SELECT x.* FROM json_to_recordset($1::json) AS x(o int, e text, p text, t text, i text, v int, s text, n json)
         JOIN partners ON partners.partner_id = x.p AND partners.webhook_url IS NOT NULL),
     -- A delivery still waiting to go out about an item that changed again or was withdrawn has
     -- nothing left to say: the new event says it.
     stale AS (
       UPDATE webhook_deliveries w SET status = 'superseded', next_at = NULL, updated_at = now()
         FROM x WHERE w.item_id = x.i AND w.status = 'pending' AND w.event_type = 'inbox.item.delivered')
     INSERT INTO webhook_deliveries (event_id, partner_id, event_type, item_id, item_version, person_pseudonym, notice, next_at)
     -- In the order given: calls about one item go out in the order of its events (seq).
     SELECT e, p, t, i, v, s, n, now() FROM x ORDER BY o
     ON CONFLICT (event_id) DO NOTHING`,
    [JSON.stringify(events.map((e, o) => ({ o, e: e.eventId, p: e.partnerId, t: e.type, i: e.itemId, v: e.version, s: e.person, n: e.notice ?? null })))],
  );
}

/**
 * The webhook outbox (webhook_deliveries) and the partners' webhook columns. Events are written
 * in the transaction that changes an inbox, only for partners that have a webhook, and leave it
 * in a terminal state: delivered, superseded or parked.
 */
export class WebhookStore {
  constructor(
    private readonly db: Sql,
    private readonly retry: WebhookRetryPolicy,
  ) {}

  /** Claims due events for `leaseMs` (several processes may dispatch: each takes its own). */
  async claimDue(limit: number, leaseMs: number): Promise<DueWebhook[]> {
    const { rows } = await this.db.query<DueWebhook>(
      `WITH due AS (
         SELECT event_id FROM webhook_deliveries w WHERE status = 'pending' AND next_at <= now()
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.item_id = w.item_id AND o.status = 'pending' AND o.seq < w.seq)
          ORDER BY next_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE webhook_deliveries w SET next_at = now() + make_interval(secs => $2::double precision / 1000)
         FROM due WHERE w.event_id = due.event_id
       RETURNING w.event_id, w.partner_id, w.event_type, w.item_id, w.item_version, w.notice, w.attempts`,
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

  async targets(partnerIds: string[]): Promise<Map<string, WebhookTarget>> {
    const { rows } = await this.db.query<{ partner_id: string; webhook_url: string; webhook_secret_key_id: string; webhook_secret_sealed: Buffer }>(
      'SELECT partner_id, webhook_url, webhook_secret_key_id, webhook_secret_sealed FROM partners WHERE partner_id = ANY($1::text[]) AND webhook_url IS NOT NULL',
      [partnerIds],
    );
    return new Map(rows.map((r) => [r.partner_id, { partnerId: r.partner_id, url: r.webhook_url, secret: { keyId: r.webhook_secret_key_id, sealed: Buffer.from(r.webhook_secret_sealed) } }]));
  }

  /**
   * Records attempts: a delivered or superseded event is done; a failed one is due again after
   * an exponential backoff with jitter, or parked at the policy's last attempt. Returns the
   * events parked now.
   */
  async record(attempts: WebhookAttempt[]): Promise<{ parked: { eventId: string; partnerId: string; itemId: string }[] }> {
    if (attempts.length === 0) return { parked: [] };
    const { rows } = await this.db.query<{ event_id: string; partner_id: string; item_id: string; status: string }>(
      `UPDATE webhook_deliveries w SET
              attempts = CASE WHEN t.o = 'superseded' THEN w.attempts ELSE w.attempts + 1 END,
              status = CASE WHEN t.o = 'delivered' THEN 'delivered' WHEN t.o = 'superseded' THEN 'superseded'
                            WHEN w.attempts + 1 >= $4 THEN 'parked' ELSE 'pending' END,
              next_at = CASE WHEN t.o = 'failed' AND w.attempts + 1 < $4
                             THEN now() + make_interval(secs => least($3::double precision, $2::double precision * 2 ^ w.attempts) * (0.75 + random() / 2) / 1000) END,
              last_status = coalesce(t.h, w.last_status), last_error = CASE WHEN t.o = 'failed' THEN t.x ELSE w.last_error END,
              delivered_at = CASE WHEN t.o = 'delivered' THEN now() END, updated_at = now()
         FROM json_to_recordset($1::json) AS t(e text, o text, h int, x text)
        WHERE w.event_id = t.e AND w.status = 'pending'
       RETURNING w.event_id, w.partner_id, w.item_id, w.status`,
      [JSON.stringify(attempts.map((a) => ({ e: a.eventId, o: a.outcome, h: a.httpStatus ?? null, x: a.error?.slice(0, 500) ?? null }))), this.retry.baseMs, this.retry.maxMs, this.retry.maxAttempts],
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
      `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_at = now(), updated_at = now(), delivered_at = NULL
        WHERE event_id IN (SELECT event_id FROM webhook_deliveries WHERE ${where} ORDER BY created_at LIMIT $1)
       RETURNING event_id`,
      params,
    );
    return rows.map((r) => r.event_id);
  }

  /** The operators' list, newest change first: by partner, status, within a period of last change. */
  async list(f: { partnerId?: string; status?: string; from?: string; to?: string }, limit: number, after?: ListPosition): Promise<WebhookDeliveryView[]> {
    const params: unknown[] = [limit];
    const where: string[] = [];
    if (f.partnerId) where.push(`partner_id = $${params.push(f.partnerId)}`);
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    if (f.from) where.push(`updated_at >= $${params.push(f.from)}::timestamptz`);
    if (f.to) where.push(`updated_at < $${params.push(f.to)}::timestamptz`);
    if (after) where.push(afterPosition(params, 'updated_at', 'event_id', after, 'desc'));
    const { rows } = await this.db.query<ViewRow>(
      `SELECT event_id, partner_id, event_type, item_id, item_version, status, attempts, last_status, last_error, next_at, created_at, updated_at, delivered_at,
              ${positionOf('updated_at')} AS position
         FROM webhook_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, event_id DESC LIMIT $1`,
      params,
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      partnerId: r.partner_id,
      type: r.event_type,
      itemId: r.item_id,
      version: r.item_version,
      status: r.status,
      attempts: r.attempts,
      lastStatus: r.last_status,
      lastError: r.last_error,
      nextAt: r.status === 'pending' ? iso(r.next_at) : null,
      createdAt: iso(r.created_at)!,
      updatedAt: iso(r.updated_at)!,
      deliveredAt: iso(r.delivered_at),
      position: { at: r.position, id: r.event_id },
    }));
  }

  /** Per partner and status, how many events (the partner's own view, and the metrics). */
  async counts(partnerId: string): Promise<Record<WebhookStatus, number>> {
    const { rows } = await this.db.query<{ status: WebhookStatus; n: string }>('SELECT status, count(*) AS n FROM webhook_deliveries WHERE partner_id = $1 GROUP BY status', [partnerId]);
    const out: Record<WebhookStatus, number> = { pending: 0, delivered: 0, superseded: 0, parked: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  async url(partnerId: string): Promise<string | null> {
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

  /** Removes a partner's webhook and its secret; what was still pending is parked (a replay after a new URL sends it). */
  async removeWebhook(partnerId: string): Promise<number> {
    await this.db.query('UPDATE partners SET webhook_url = NULL, webhook_secret_key_id = NULL, webhook_secret_sealed = NULL WHERE partner_id = $1', [partnerId]);
    const r = await this.db.query(
      "UPDATE webhook_deliveries SET status = 'parked', last_error = 'the partner removed its webhook', next_at = NULL, updated_at = now() WHERE partner_id = $1 AND status = 'pending'",
      [partnerId],
    );
    return r.rowCount;
  }

  /** Whether a partner holds a secret already. */
  async hasSecret(partnerId: string): Promise<boolean> {
    const { rows } = await this.db.query<{ has: boolean }>('SELECT webhook_secret_sealed IS NOT NULL AS has FROM partners WHERE partner_id = $1', [partnerId]);
    return rows[0]?.has ?? false;
  }
}
