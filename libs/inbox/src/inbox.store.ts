import { InboxDelivery } from '@pdp/contracts';
import { copyChunks, jsonArray, positionOf, Sql } from '@pdp/db';
import type { InboxItem, InboxStatus } from './inbox';

/** A delivery with its JSON text, serialised once for the database and for Kafka. */
export interface SerialisedDelivery {
  d: InboxDelivery;
  json: string;
}

interface ItemRow {
  item_id: string;
  status: InboxStatus;
  version: number;
  item_type: string;
  legal_basis: string;
  payload: InboxDelivery;
  created_at: Date | string;
  updated_at: Date | string;
  acknowledged_at: Date | string | null;
  /** updated_at to the microsecond, as the cursor keeps it. */
  position: string;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function toItem(r: ItemRow): InboxItem {
  return {
    itemId: r.item_id,
    schema: r.payload.schemaVersion,
    status: r.status,
    version: r.version,
    itemType: r.item_type,
    legalBasis: r.legal_basis,
    delivery: r.payload,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    acknowledgedAt: iso(r.acknowledged_at),
  };
}

const COLUMNS = `item_id, status, version, item_type, legal_basis, payload, created_at, updated_at, acknowledged_at,
  ${positionOf('updated_at')} AS position`;

/** Where a page of a partner's inbox ends: the last item's update time and id (the listing's order). */
export interface InboxPosition {
  at: string;
  itemId: string;
}

/**
 * The inbox_items table: one item per partner and episode (or signalement), the delivery kept
 * as its JSON text. Statements that must join a caller's transaction take it as `tx`.
 */
export class InboxStore {
  constructor(private readonly db: Sql) {}

  /**
   * A partner's items, pending (new or updated), of one status, or all, in the order they were
   * last written (update time, then id): after a position, or updated after an instant. An item
   * updated again moves to the end, so a reader walking with positions sees it again.
   */
  async list(
    partnerId: string,
    status: InboxStatus | 'pending' | 'all',
    limit: number,
    from: { after?: InboxPosition; since?: string } = {},
  ): Promise<{ items: InboxItem[]; last: InboxPosition | null }> {
    const params: unknown[] = [partnerId, limit];
    const where = ['partner_id = $1'];
    if (status === 'pending') where.push("status <> 'acknowledged'");
    else if (status !== 'all') where.push(`status = $${params.push(status)}`);
    if (from.after) where.push(`(updated_at, item_id) > ($${params.push(from.after.at)}::timestamptz, $${params.push(from.after.itemId)})`);
    if (from.since) where.push(`updated_at > $${params.push(from.since)}::timestamptz`);
    const { rows } = await this.db.query<ItemRow>(`SELECT ${COLUMNS} FROM inbox_items WHERE ${where.join(' AND ')} ORDER BY updated_at, item_id LIMIT $2`, params);
    const end = rows.at(-1);
    return { items: rows.map(toItem), last: end ? { at: end.position, itemId: end.item_id } : null };
  }

  /** One of a partner's items; another partner's item is not found. */
  async get(partnerId: string, itemId: string): Promise<InboxItem | null> {
    const { rows } = await this.db.query<ItemRow>(`SELECT ${COLUMNS} FROM inbox_items WHERE partner_id = $1 AND item_id = $2`, [partnerId, itemId]);
    return rows[0] ? toItem(rows[0]) : null;
  }

  /** Marks an item acknowledged, at that version only when one is given. */
  async acknowledge(partnerId: string, itemId: string, version: number | null): Promise<void> {
    await this.db.query(
      `UPDATE inbox_items SET status = 'acknowledged', acknowledged_at = now()
        WHERE partner_id = $1 AND item_id = $2 AND ($3::int IS NULL OR version = $3::int)`,
      [partnerId, itemId, version],
    );
  }

  /** Who holds an episode's items, and at which version, by partner. */
  /** Per partner: its unacknowledged items and the age in seconds of the oldest (served by the pending index). */
  async backlog(): Promise<{ partnerId: string; items: number; oldestSeconds: number }[]> {
    const { rows } = await this.db.query<{ partner_id: string; items: string; oldest: string }>(
      `SELECT partner_id, count(*) AS items, extract(epoch FROM now() - min(updated_at)) AS oldest FROM inbox_items WHERE status <> 'acknowledged' GROUP BY partner_id`,
    );
    return rows.map((r) => ({ partnerId: r.partner_id, items: Number(r.items), oldestSeconds: Number(r.oldest) }));
  }

  async ofEpisode(episodeId: string): Promise<{ partnerId: string; itemId: string; version: number }[]> {
    const { rows } = await this.db.query<{ partner_id: string; item_id: string; version: number }>('SELECT partner_id, item_id, version FROM inbox_items WHERE episode_id = $1 ORDER BY partner_id', [
      episodeId,
    ]);
    return rows.map((r) => ({ partnerId: r.partner_id, itemId: r.item_id, version: r.version }));
  }

  /**
   * Items known to be new (their episode had no row, so no item can exist), with COPY: no
   * upsert probe, no JSON records. Only on a database that has COPY (`tx.copyIn`).
   */
  async insertNew(tx: Sql, items: readonly SerialisedDelivery[]): Promise<void> {
    await tx.copyIn!(
      'COPY inbox_items (item_id, partner_id, episode_id, item_type, version, idempotency_key, legal_basis, payload, status, published_version) FROM STDIN',
      copyChunks(items, ({ d, json }) => [
        d.deliveryId,
        d.partnerId,
        d.caseEvent.episodeId,
        d.itemType,
        d.caseEvent.episodeVersion,
        d.idempotencyKey,
        d.legalBasis,
        json,
        'new',
        d.caseEvent.episodeVersion,
      ]),
    );
  }

  /**
   * Upserts sick-leave deliveries: a newer episode version updates its item (pending again),
   * an older or equal one changes nothing; a delivered episode's parked case is released.
   * Returns the ids of the items that changed.
   */
  async upsertDeliveries(tx: Sql, items: readonly SerialisedDelivery[]): Promise<Set<string>> {
    // One json record per item, its columns beside the delivery: PostgreSQL reads the parameter
    // once and keeps the delivery's text as it is (the payload column is json, migration 009).
    const records = items.map(
      ({ d, json }) =>
        `{"i":${JSON.stringify(d.deliveryId)},"p":${JSON.stringify(d.partnerId)},"e":${JSON.stringify(d.caseEvent.episodeId)},"t":${JSON.stringify(d.itemType)},"v":${d.caseEvent.episodeVersion},"k":${JSON.stringify(d.idempotencyKey)},"l":${JSON.stringify(d.legalBasis)},"d":${json}}`,
    );
    const { rows } = await tx.query<{ item_id: string }>(
      `WITH up AS (
         INSERT INTO inbox_items (item_id, partner_id, episode_id, item_type, version, idempotency_key, legal_basis, payload, status, published_version)
         SELECT i, p, e, t, v, k, l, d, 'new', v
           FROM json_to_recordset($1::json) AS x(i text, p text, e text, t text, v int, k text, l text, d json)
         ON CONFLICT (item_id) DO UPDATE SET version = excluded.version, idempotency_key = excluded.idempotency_key,
           legal_basis = excluded.legal_basis, payload = excluded.payload, status = 'updated', updated_at = now(),
           acknowledged_at = NULL, published_version = excluded.version
         WHERE inbox_items.version < excluded.version
         RETURNING item_id, episode_id),
       released AS (
         UPDATE parked_cases SET released_at = now() WHERE released_at IS NULL AND parked_id IN (SELECT episode_id FROM up))
       SELECT item_id FROM up`,
      [jsonArray(records)],
    );
    return new Set(rows.map((r) => r.item_id));
  }

  /**
   * Takes a person's sick-leave items resting on consent, not yet acknowledged, out of the
   * inboxes and parks their case events with the reason. The person's episodes come from the
   * episodes' person index, so it reads that person's items, not the whole inbox.
   */
  async pullBackConsentItems(tx: Sql, personPseudonym: string, reasonCode: string, reason: string): Promise<{ itemId: string; partnerId: string; episodeId: string }[]> {
    const { rows } = await tx.query<{ item_id: string; partner_id: string; episode_id: string }>(
      `WITH gone AS (
       DELETE FROM inbox_items
        WHERE episode_id IN (SELECT episode_id FROM episodes WHERE person_pseudonym = $1)
          AND item_type = 'sick-leave' AND legal_basis = 'consent' AND status <> 'acknowledged'
          AND payload->'caseEvent'->>'personPseudonym' = $1
       RETURNING item_id, partner_id, episode_id, payload->'caseEvent' AS case_event),
     parked AS (
       INSERT INTO parked_cases (parked_id, episode_id, reason_code, reason, employer_siret, case_event)
       SELECT episode_id, episode_id, $2, $3, case_event->>'employerSiret', case_event FROM gone
       ON CONFLICT (parked_id) DO UPDATE SET reason_code = excluded.reason_code, reason = excluded.reason,
         case_event = excluded.case_event, released_at = NULL, parked_at = now())
     SELECT item_id, partner_id, episode_id FROM gone`,
      [personPseudonym, reasonCode, reason],
    );
    return rows.map((r) => ({ itemId: r.item_id, partnerId: r.partner_id, episodeId: r.episode_id }));
  }
}
