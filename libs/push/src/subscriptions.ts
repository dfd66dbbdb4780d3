import type { AuditTrail } from '@pdp/audit';
import type { Sql } from '@pdp/db';
import { checkPartnerUrl, EndpointRefused } from '@pdp/fhir';
import type { IdentityKeyring } from '@pdp/identity';
import { ProblemException } from '@pdp/http';
import { secretContext } from './dispatcher';
import { newWebhookSecret } from './signing';
import { PushStatus, PushStore } from './push.store';

/** A partner's webhook as it sees it: the URL and its events by state; the secret only when just issued. */
export interface WebhookSubscription {
  partnerId: string;
  url: string | null;
  events: Record<PushStatus, number>;
  /** Shown once, when issued: the hub keeps it sealed and never shows it again. */
  secret?: string;
}

/**
 * Setting, rotating and removing a partner's webhook, by the partner itself or an operator
 * (docs/integrators.md, "Webhooks"). The secret is issued by the hub, shown once, and sealed at rest.
 */
export class WebhookSubscriptions {
  constructor(
    private readonly store: PushStore,
    private readonly keyring: IdentityKeyring,
    private readonly audit: AuditTrail,
    private readonly allowPrivateUrls: boolean,
  ) {}

  async get(partnerId: string): Promise<WebhookSubscription> {
    return { partnerId, url: await this.store.webhookUrl(partnerId), events: await this.store.counts(partnerId, 'webhook') };
  }

  /** Sets the URL; the first time, a secret is issued and returned. */
  async set(partnerId: string, url: unknown, actor: string): Promise<WebhookSubscription> {
    if (typeof url !== 'string' || url.length > 2000)
      throw new ProblemException(400, 'Invalid webhook', '1 violation(s)', [{ path: '/url', message: 'must be an https URL of at most 2,000 characters' }]);
    try {
      // The calls carry the worker's identity (sealed) and a signature: never in clear on the wire.
      if (!this.allowPrivateUrls && !url.startsWith('https://')) throw new EndpointRefused(url, 'must be an https URL');
      await checkPartnerUrl(url, { allowPrivate: this.allowPrivateUrls });
    } catch (e) {
      if (!(e instanceof EndpointRefused)) throw e;
      throw new ProblemException(400, 'Invalid webhook', '1 violation(s)', [{ path: '/url', message: e.reason }]);
    }
    const issue = !(await this.store.hasSecret(partnerId));
    const secret = issue ? newWebhookSecret() : undefined;
    await this.store.setWebhook(partnerId, url, secret ? this.keyring.sealBytes(secretContext(partnerId), Buffer.from(secret, 'utf8')) : null);
    await this.audit.append([{ action: 'webhook-set', subjectType: 'webhook', subjectId: partnerId, partnerId, actor, detail: { url, secretIssued: issue } }]);
    return { ...(await this.get(partnerId)), ...(secret ? { secret } : {}) };
  }

  /** A new secret: calls are signed with it from now on, and the old one stops at once. */
  async rotateSecret(partnerId: string, actor: string): Promise<WebhookSubscription> {
    const url = await this.store.webhookUrl(partnerId);
    if (!url) throw new ProblemException(404, 'No webhook', `${partnerId} has no webhook: set its URL first.`);
    const secret = newWebhookSecret();
    await this.store.setWebhook(partnerId, url, this.keyring.sealBytes(secretContext(partnerId), Buffer.from(secret, 'utf8')));
    await this.audit.append([{ action: 'webhook-secret-rotated', subjectType: 'webhook', subjectId: partnerId, partnerId, actor }]);
    return { ...(await this.get(partnerId)), secret };
  }

  /** Removes the webhook and its secret; its pending events are parked (replayable once a URL is set again). */
  async remove(partnerId: string, actor: string): Promise<WebhookSubscription> {
    const parked = await this.store.removeWebhook(partnerId);
    await this.audit.append([{ action: 'webhook-removed', subjectType: 'webhook', subjectId: partnerId, partnerId, actor, detail: { parked } }]);
    return this.get(partnerId);
  }
}

/**
 * The webhook secrets sealed with another key than the active one, sealed again with it (the
 * retention sweep runs it), so that a retired identity key can be removed without breaking the
 * signatures. Returns how many.
 */
export async function resealWebhookSecrets(db: Sql, keyring: IdentityKeyring): Promise<number> {
  const { rows } = await db.query<{ partner_id: string; webhook_secret_key_id: string; webhook_secret_sealed: Buffer }>(
    'SELECT partner_id, webhook_secret_key_id, webhook_secret_sealed FROM partners WHERE webhook_secret_sealed IS NOT NULL AND webhook_secret_key_id <> $1',
    [keyring.active],
  );
  for (const r of rows) {
    const context = secretContext(r.partner_id);
    const sealed = keyring.sealBytes(context, keyring.openBytes(context, { keyId: r.webhook_secret_key_id, sealed: Buffer.from(r.webhook_secret_sealed) }));
    await db.query('UPDATE partners SET webhook_secret_key_id = $2, webhook_secret_sealed = $3 WHERE partner_id = $1 AND webhook_secret_key_id = $4', [
      r.partner_id,
      sealed.keyId,
      sealed.sealed,
      r.webhook_secret_key_id,
    ]);
  }
  return rows.length;
}
