import { InboxDelivery, ReferralDelivery } from '@pdp/contracts';
import { Database } from '@pdp/db';
import { AuditTrail } from '@pdp/audit';
import { IdentityVault, WorkerIdentity } from '@pdp/identity';
import { InboxPosition, InboxStore } from './inbox.store';

export type InboxStatus = 'new' | 'updated' | 'acknowledged';

export interface InboxItem {
  itemId: string;
  /** The contract of `delivery`: inbox-delivery/1 (sick leave) or referral-delivery/1 (signalements, reports, retractions). */
  schema: string;
  status: InboxStatus;
  version: number;
  itemType: string;
  legalBasis: string;
  delivery: InboxDelivery | ReferralDelivery;
  createdAt: string;
  updatedAt: string;
  acknowledgedAt: string | null;
}

/** A partner's durable inbox. Every query is scoped to the authenticated partner. */
export class InboxService {
  private readonly items: InboxStore;

  constructor(
    db: Database,
    private readonly identities: IdentityVault,
    private readonly audit: AuditTrail,
  ) {
    this.items = new InboxStore(db);
  }

  /**
   * Pending (new or updated) items by default, in the order they were last written, a page at a
   * time: `cursor` continues after the previous page (its `nextCursor`), `since` starts after an
   * instant. A full page has a `nextCursor`; the last page has none.
   */
  async list(
    partnerId: string,
    opts: { status?: InboxStatus | 'pending' | 'all'; limit?: number; cursor?: InboxPosition; since?: string } = {},
  ): Promise<{ items: InboxItem[]; nextCursor: InboxPosition | null }> {
    const status = opts.status ?? 'pending';
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    const page = await this.items.list(partnerId, status, limit, { after: opts.cursor, since: opts.since });
    return { items: page.items, nextCursor: page.items.length === limit ? page.last : null };
  }

  async get(partnerId: string, itemId: string): Promise<InboxItem | null> {
    return this.items.get(partnerId, itemId);
  }

  /**
   * One item as its recipient reads it: with the worker's identity when the item is one the
   * recipient is entitled to act on (a transmitted sick leave, a signalement delivered on
   * consent, an accompaniment report of the return flow; not a retraction). Every such read is
   * recorded in the audit trail, so the person's disclosure report shows who read what, when.
   */
  async read(partnerId: string, itemId: string): Promise<(InboxItem & { worker?: WorkerIdentity }) | null> {
    const item = await this.items.get(partnerId, itemId);
    if (!item || item.itemType === 'retraction') return item;
    const d = item.delivery;
    const person = 'caseEvent' in d && d.caseEvent ? d.caseEvent.personPseudonym : (d as ReferralDelivery).personPseudonym;
    const worker = person ? await this.identities.open(person) : null;
    if (!worker) return item;
    await this.audit.append([
      {
        action: 'identity-read',
        subjectType: item.itemType === 'sick-leave' ? 'sick-leave' : item.itemType === 'accompaniment-report' ? 'accompaniment-report' : 'signalement',
        subjectId: item.itemId,
        caseId: 'caseId' in d ? (d as ReferralDelivery).caseId : null,
        personPseudonym: person,
        partnerId,
        legalBasis: item.legalBasis,
        actor: partnerId,
        detail: { version: item.version },
      },
    ]);
    return { ...item, worker };
  }

  /**
   * Acknowledges an item at a version: acknowledging an older version than the current one
   * (a prolongation arrived meanwhile) leaves it pending, so no update is missed.
   */
  async acknowledge(partnerId: string, itemId: string, version?: number): Promise<InboxItem | null> {
    await this.items.acknowledge(partnerId, itemId, version ?? null);
    return this.get(partnerId, itemId);
  }
}
