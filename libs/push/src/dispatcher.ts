import { Logger } from '@nestjs/common';
import type { AuditEntry, AuditTrail } from '@pdp/audit';
import type { InboxDelivery, ReferralDelivery, WebhookEvent } from '@pdp/contracts';
import { checkPartnerUrl, FhirDeliveryChannel } from '@pdp/fhir';
import type { IdentityKeyring, IdentityVault } from '@pdp/identity';
import { hubMetrics } from '@pdp/observability';
import { type PartnerIdentitySealer, withWorkerJwe } from '@pdp/partners';
import { signedHeaders } from './signing';
import { DuePush, PushAttempt, PushChannel, PushRetryPolicy, PushStore, PushTarget } from './push.store';
import { personOf } from './push-outbox';

export interface DispatcherDeps {
  store: PushStore;
  keyring: IdentityKeyring;
  sealer: PartnerIdentitySealer;
  vault: IdentityVault;
  fhir: FhirDeliveryChannel;
  audit: AuditTrail;
  allowPrivateUrls: boolean;
  /** How long a partner's webhook has to answer a call. */
  timeoutMs: number;
  retry: Record<PushChannel, PushRetryPolicy>;
  clock?: () => Date;
}

/** How many pushes are in flight at once. */
const CONCURRENCY = 8;

/** The context a partner's webhook secret is sealed under: it opens on that partner's row only. */
export function secretContext(partnerId: string): string {
  return `webhook-secret:${partnerId}`;
}

/** A push ready to go: the event, where to, and what (the delivery's JSON, for the webhook with its sealed identity). */
interface Push {
  due: DuePush;
  target: PushTarget;
  delivery: string;
}

/**
 * Pushes the outbox's due events to the partners' systems and records each attempt: a signed
 * call to the webhook (Standard Webhooks), or the sick-leave alert's FHIR Task (created, updated,
 * cancelled) on the FHIR endpoint. Several processes may run it, each claims the events it
 * pushes. An event about an item that changed or left the inbox since is superseded, not sent:
 * the event written with that change says it.
 */
export class PushDispatcher {
  private readonly logger = new Logger('Push');
  private readonly clock: () => Date;

  constructor(private readonly deps: DispatcherDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** One round: claims up to `limit` due events, pushes, records. Returns how many were claimed and delivered. */
  async dispatchDue(limit = 100): Promise<{ claimed: number; delivered: number }> {
    // Claimed for longer than a push can take, so that no other process takes them meanwhile.
    const due = await this.deps.store.claimDue(limit, this.deps.timeoutMs * 3 + 5_000);
    if (due.length === 0) return { claimed: 0, delivered: 0 };
    const { pushes, attempts } = await this.prepare(due);
    const audit: AuditEntry[] = [];
    const results = [...attempts, ...(await this.pushAll(pushes, audit))];
    let delivered = 0;
    for (const channel of ['webhook', 'fhir'] as const) {
      const mine = results.filter((r) => due.find((d) => d.event_id === r.eventId)!.channel === channel);
      delivered += mine.filter((r) => r.outcome === 'delivered').length;
      const { parked } = await this.deps.store.record(channel, mine);
      for (const p of parked) {
        (channel === 'webhook' ? hubMetrics.webhooksParked : hubMetrics.fhirGivenUp).inc({ partner: p.partnerId });
        this.logger.warn(`${channel} push ${p.eventId} to ${p.partnerId} parked after ${this.deps.retry[channel].maxAttempts} failed attempts`);
        audit.push({
          action: channel === 'webhook' ? 'webhook-parked' : 'fhir-given-up',
          subjectType: channel === 'webhook' ? 'webhook' : 'sick-leave',
          subjectId: p.eventId,
          partnerId: p.partnerId,
          actor: 'hub',
          detail: { channel, itemId: p.itemId, attempts: this.deps.retry[channel].maxAttempts, lastError: mine.find((r) => r.eventId === p.eventId)?.error ?? null },
        });
      }
    }
    await this.deps.audit.append(audit);
    return { claimed: due.length, delivered };
  }

  /** The pushes to make, and the events with nothing to send (superseded) or nowhere to send it. */
  private async prepare(due: DuePush[]): Promise<{ pushes: Push[]; attempts: PushAttempt[] }> {
    const targets = await this.deps.store.targets([...new Set(due.map((d) => d.partner_id))]);
    const items = await this.deps.store.items(due.filter((d) => d.event_type === 'inbox.item.delivered').map((d) => d.item_id));
    const attempts: PushAttempt[] = [];
    const pushes: Push[] = [];
    for (const d of due) {
      const target = targets.get(d.partner_id);
      if (!target || (d.channel === 'webhook' ? !target.webhook : !target.fhirEndpoint)) {
        attempts.push({ eventId: d.event_id, outcome: 'failed', error: `the partner has no ${d.channel === 'webhook' ? 'webhook' : 'FHIR endpoint'}` });
        continue;
      }
      if (d.event_type === 'inbox.item.retracted') {
        pushes.push({ due: d, target, delivery: JSON.stringify(d.notice) });
        continue;
      }
      const item = items.get(d.item_id);
      if (!item || item.version !== d.item_version) attempts.push({ eventId: d.event_id, outcome: 'superseded' });
      else pushes.push({ due: d, target, delivery: item.payload });
    }
    // A webhook delivery carries the worker's identity sealed for the partner's key, as on its topic.
    const sealedFor = pushes.filter((p) => p.due.channel === 'webhook' && p.due.event_type === 'inbox.item.delivered');
    const sealed = await this.deps.sealer.sealFor(sealedFor.map((p) => ({ partnerId: p.due.partner_id, person: personOf(JSON.parse(p.delivery) as InboxDelivery | ReferralDelivery) })));
    sealedFor.forEach((p, i) => (p.delivery = withWorkerJwe(p.delivery, sealed[i])));
    return { pushes, attempts };
  }

  private async pushAll(pushes: Push[], audit: AuditEntry[]): Promise<PushAttempt[]> {
    const out: PushAttempt[] = [];
    let next = 0;
    const worker = async () => {
      while (next < pushes.length) {
        const p = pushes[next++];
        out.push(p.due.channel === 'webhook' ? await this.call(p) : await this.fhirPush(p, audit));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, pushes.length) }, worker));
    return out;
  }

  /** One signed POST to the webhook; a 2xx delivers, anything else (a redirect included) fails. */
  private async call({ due, target, delivery }: Push): Promise<PushAttempt> {
    const eventId = due.event_id;
    const webhook = target.webhook!;
    const event: WebhookEvent = {
      schemaVersion: 'webhook-event/1',
      type: due.event_type,
      timestamp: this.clock().toISOString(),
      data: {
        eventId,
        partnerId: due.partner_id,
        itemId: due.item_id,
        ...(due.item_version !== null && due.event_type === 'inbox.item.delivered' ? { version: due.item_version } : {}),
        delivery: JSON.parse(delivery) as WebhookEvent['data']['delivery'],
      },
    };
    const body = JSON.stringify(event);
    let attempt: PushAttempt;
    try {
      // Checked before each call too: a name may resolve elsewhere since it was registered.
      await checkPartnerUrl(webhook.url, { allowPrivate: this.deps.allowPrivateUrls });
      const secret = this.deps.keyring.openBytes(secretContext(target.partnerId), webhook.secret).toString('utf8');
      const res = await fetch(webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'pdp-hub-webhooks/1', ...signedHeaders(secret, eventId, this.clock(), body) },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.deps.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      attempt = res.ok ? { eventId, outcome: 'delivered', httpStatus: res.status } : { eventId, outcome: 'failed', httpStatus: res.status, error: `HTTP ${res.status}` };
    } catch (e) {
      attempt = { eventId, outcome: 'failed', error: errorText(e) };
    }
    hubMetrics.webhookCalls.inc({ partner: due.partner_id, outcome: attempt.outcome });
    if (attempt.outcome === 'failed') this.logger.warn(`webhook call ${eventId} to ${due.partner_id} failed (attempt ${due.attempts + 1}): ${attempt.error}`);
    return attempt;
  }

  /**
   * A sick-leave alert as a FHIR Task for the SPSTI (its worker as a Patient: the SPSTI is
   * entitled to her identity), or its Task cancelled when the alert is withdrawn. Audited.
   */
  private async fhirPush({ due, target, delivery }: Push, audit: AuditEntry[]): Promise<PushAttempt> {
    const eventId = due.event_id;
    const endpoint = target.fhirEndpoint!;
    const d = JSON.parse(delivery) as InboxDelivery | ReferralDelivery;
    const base = {
      subjectType: 'sick-leave' as const,
      subjectId: 'caseEvent' in d ? d.caseEvent.episodeId : due.item_id,
      personPseudonym: due.person_pseudonym,
      partnerId: due.partner_id,
      actor: 'hub',
    };
    try {
      if (due.event_type === 'inbox.item.retracted') {
        const reason = 'retraction' in d ? (d.retraction?.reason ?? 'withdrawn') : 'withdrawn';
        const found = await this.deps.fhir.cancel(endpoint, due.item_id, reason);
        if (found) audit.push({ ...base, action: 'fhir-cancelled', detail: { itemId: due.item_id, reason } });
        return { eventId, outcome: 'delivered' };
      }
      const alert = d as InboxDelivery;
      const worker = (await this.deps.vault.open(alert.caseEvent.personPseudonym)) ?? undefined;
      const r = await this.deps.fhir.deliverSickLeave(endpoint, alert, worker, { partnerId: target.partnerId, ...target.organization });
      audit.push({ ...base, action: 'fhir-delivered', detail: { itemId: due.item_id, version: due.item_version, task: r.taskReference, identity: Boolean(worker) } });
      return { eventId, outcome: 'delivered', remoteRef: r.taskReference };
    } catch (e) {
      const error = errorText(e);
      this.logger.warn(`FHIR push ${eventId} of ${due.item_id} to ${due.partner_id} failed (attempt ${due.attempts + 1}): ${error}`);
      hubMetrics.fhirFailures.inc({ partner: due.partner_id });
      audit.push({ ...base, action: 'fhir-failed', detail: { itemId: due.item_id, error: error.slice(0, 200) } });
      return { eventId, outcome: 'failed', error };
    }
  }
}

function errorText(e: unknown): string {
  const cause = (e as Error & { cause?: Error }).cause;
  return cause?.message ? `${(e as Error).message}: ${cause.message}` : (e as Error).message;
}
