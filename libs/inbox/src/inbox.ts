import { InboxDelivery } from '@pdp/contracts';
import { Database } from '@pdp/db';

export type InboxStatus = 'new' | 'updated' | 'acknowledged';

export interface InboxItem {
  itemId: string;
  status: InboxStatus;
  version: number;
  itemType: string;
  legalBasis: string;
  delivery: InboxDelivery;
  createdAt: string;
  updatedAt: string;
  acknowledgedAt: string | null;
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
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function toItem(r: ItemRow): InboxItem {
  return {
    itemId: r.item_id,
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

const COLUMNS = 'item_id, status, version, item_type, legal_basis, payload, created_at, updated_at, acknowledged_at';

/** A partner's durable inbox. Every query is scoped to the authenticated partner. */
export class InboxService {
  constructor(private readonly db: Database) {}

  /** Pending (new or updated) items by default, oldest first. */
  async list(partnerId: string, opts: { status?: InboxStatus | 'pending'; limit?: number } = {}): Promise<InboxItem[]> {
    const status = opts.status ?? 'pending';
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    const filter = status === 'pending' ? "status <> 'acknowledged'" : 'status = $3';
    const params: unknown[] = [partnerId, limit];
    if (status !== 'pending') params.push(status);
    const { rows } = await this.db.query<ItemRow>(`SELECT ${COLUMNS} FROM inbox_items WHERE partner_id = $1 AND ${filter} ORDER BY updated_at, item_id LIMIT $2`, params);
    return rows.map(toItem);
  }

  async get(partnerId: string, itemId: string): Promise<InboxItem | null> {
    const { rows } = await this.db.query<ItemRow>(`SELECT ${COLUMNS} FROM inbox_items WHERE partner_id = $1 AND item_id = $2`, [partnerId, itemId]);
    return rows[0] ? toItem(rows[0]) : null;
  }

  /**
   * Acknowledges an item at a version: acknowledging an older version than the current one
   * (a prolongation arrived meanwhile) leaves it pending, so no update is missed.
   */
  async acknowledge(partnerId: string, itemId: string, version?: number): Promise<InboxItem | null> {
    await this.db.query(
      `UPDATE inbox_items SET status = 'acknowledged', acknowledged_at = now()
        WHERE partner_id = $1 AND item_id = $2 AND ($3::int IS NULL OR version = $3::int)`,
      [partnerId, itemId, version ?? null],
    );
    return this.get(partnerId, itemId);
  }
}
