import { Logger } from '@nestjs/common';
import type { AuditEntry, AuditTrail } from '@pdp/audit';
import type { InboxDelivery, ReferralDelivery, WebhookEvent } from '@pdp/contracts';
import { checkPartnerUrl } from '@pdp/fhir';
import type { IdentityKeyring } from '@pdp/identity';
import { hubMetrics } from '@pdp/observability';
import { type PartnerIdentitySealer, withWorkerJwe } from '@pdp/partners';
import { signedHeaders } from './signing';
import { DueWebhook, WebhookAttempt, WebhookStore, WebhookTarget } from './webhook.store';
import { personOf } from './webhook-outbox';

export interface DispatcherDeps {
  store: WebhookStore;
  keyring: IdentityKeyring;
  sealer: PartnerIdentitySealer;
  audit: AuditTrail;
  allowPrivateUrls: boolean;
  /** How long a partner has to answer a call. */
  timeoutMs: number;
  maxAttempts: number;
  clock?: () => Date;
}

/** How many calls are in flight at once. */
const CONCURRENCY = 8;

/** The context a partner's secret is sealed under: it opens on that partner's row only. */
export function secretContext(partnerId: string): string {
  return `webhook-secret:${partnerId}`;
}

/** A call ready to go: the event, its signed body and where to. */
interface Call {
  due: DueWebhook;
  target: WebhookTarget;
  body: string;
}

/**
 * Sends the outbox's due events to the partners' webhooks, signed (Standard Webhooks), and
 * records each attempt: several processes may run it, each claims the events it sends. An
 * event about an item that changed or left the inbox since is superseded, not sent: the event
 * written with that change says it.
 */
export class WebhookDispatcher {
  private readonly logger = new Logger('Webhooks');
  private readonly clock: () => Date;

  constructor(private readonly deps: DispatcherDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** One round: claims up to `limit` due events, calls, records. Returns how many were claimed and delivered. */
  async dispatchDue(limit = 100): Promise<{ claimed: number; delivered: number }> {
    // Claimed for longer than a call can take, so that no other process takes them meanwhile.
    const due = await this.deps.store.claimDue(limit, this.deps.timeoutMs * 3 + 5_000);
    if (due.length === 0) return { claimed: 0, delivered: 0 };
    const { calls, attempts } = await this.prepare(due);
    const results = [...attempts, ...(await this.callAll(calls))];
    const { parked } = await this.deps.store.record(results);
    const audit: AuditEntry[] = parked.map((p) => ({
      action: 'webhook-parked',
      subjectType: 'webhook',
      subjectId: p.eventId,
      partnerId: p.partnerId,
      actor: 'hub',
      detail: { itemId: p.itemId, attempts: this.deps.maxAttempts, lastError: results.find((r) => r.eventId === p.eventId)?.error ?? null },
    }));
    for (const p of parked) {
      hubMetrics.webhooksParked.inc({ partner: p.partnerId });
      this.logger.warn(`webhook event ${p.eventId} to ${p.partnerId} parked after ${this.deps.maxAttempts} failed calls`);
    }
    await this.deps.audit.append(audit);
    return { claimed: due.length, delivered: results.filter((r) => r.outcome === 'delivered').length };
  }

  /** The signed calls to make, and the events with nothing to send (superseded) or nowhere to send it. */
  private async prepare(due: DueWebhook[]): Promise<{ calls: Call[]; attempts: WebhookAttempt[] }> {
    const targets = await this.deps.store.targets([...new Set(due.map((d) => d.partner_id))]);
    const items = await this.deps.store.items(due.filter((d) => d.event_type === 'inbox.item.delivered').map((d) => d.item_id));
    const attempts: WebhookAttempt[] = [];
    const ready: { due: DueWebhook; target: WebhookTarget; delivery: string }[] = [];
    for (const d of due) {
      const target = targets.get(d.partner_id);
      if (!target) {
        attempts.push({ eventId: d.event_id, outcome: 'failed', error: 'the partner has no webhook' });
        continue;
      }
      if (d.event_type === 'inbox.item.retracted') {
        ready.push({ due: d, target, delivery: JSON.stringify(d.notice) });
        continue;
      }
      const item = items.get(d.item_id);
      if (!item || item.version !== d.item_version) attempts.push({ eventId: d.event_id, outcome: 'superseded' });
      else ready.push({ due: d, target, delivery: item.payload });
    }
    // A delivery carries the worker's identity sealed for the partner's key, as on its topic.
    const deliveries = ready.filter((r) => r.due.event_type === 'inbox.item.delivered');
    const sealed = await this.deps.sealer.sealFor(deliveries.map((r) => ({ partnerId: r.due.partner_id, person: personOf(JSON.parse(r.delivery) as InboxDelivery | ReferralDelivery) })));
    deliveries.forEach((r, i) => (r.delivery = withWorkerJwe(r.delivery, sealed[i])));
    const calls = ready.map(({ due: d, target, delivery }) => {
      const event: WebhookEvent = {
        schemaVersion: 'webhook-event/1',
        type: d.event_type,
        timestamp: this.clock().toISOString(),
        data: {
          eventId: d.event_id,
          partnerId: d.partner_id,
          itemId: d.item_id,
          ...(d.item_version !== null && d.event_type === 'inbox.item.delivered' ? { version: d.item_version } : {}),
          delivery: JSON.parse(delivery) as WebhookEvent['data']['delivery'],
        },
      };
      return { due: d, target, body: JSON.stringify(event) };
    });
    return { calls, attempts };
  }

  private async callAll(calls: Call[]): Promise<WebhookAttempt[]> {
    const out: WebhookAttempt[] = [];
    let next = 0;
    const worker = async () => {
      while (next < calls.length) out.push(await this.call(calls[next++]));
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, calls.length) }, worker));
    return out;
  }

  /** One signed POST; a 2xx delivers, anything else (a redirect included) fails. */
  private async call({ due, target, body }: Call): Promise<WebhookAttempt> {
    const eventId = due.event_id;
    let attempt: WebhookAttempt;
    try {
      // Checked before each call too: a name may resolve elsewhere since it was registered.
      await checkPartnerUrl(target.url, { allowPrivate: this.deps.allowPrivateUrls });
      const secret = this.deps.keyring.openBytes(secretContext(target.partnerId), target.secret).toString('utf8');
      const res = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'pdp-hub-webhooks/1', ...signedHeaders(secret, eventId, this.clock(), body) },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.deps.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      attempt = res.ok ? { eventId, outcome: 'delivered', httpStatus: res.status } : { eventId, outcome: 'failed', httpStatus: res.status, error: `HTTP ${res.status}` };
    } catch (e) {
      const cause = (e as Error & { cause?: Error }).cause;
      attempt = { eventId, outcome: 'failed', error: cause?.message ? `${(e as Error).message}: ${cause.message}` : (e as Error).message };
    }
    hubMetrics.webhookCalls.inc({ partner: due.partner_id, outcome: attempt.outcome });
    if (attempt.outcome === 'failed') this.logger.warn(`webhook call ${eventId} to ${due.partner_id} failed (attempt ${due.attempts + 1}): ${attempt.error}`);
    return attempt;
  }
}
