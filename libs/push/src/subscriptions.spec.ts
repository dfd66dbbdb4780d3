import { AuditTrail } from '@pdp/audit';
import { migrate, PgliteDatabase } from '@pdp/db';
import { IdentityKeyring } from '@pdp/identity';
import { PartnerRegistry } from '@pdp/partners';
import { secretContext } from './dispatcher';
import { PushStore } from './push.store';
import { resealWebhookSecrets, WebhookSubscriptions } from './subscriptions';

const key = (n: number) => Buffer.alloc(32, n).toString('base64');
const policy = { baseMs: 100, maxMs: 1000, maxAttempts: 3 };

describe('webhook settings', () => {
  const db = new PgliteDatabase();
  const store = new PushStore(db, { webhook: policy, fhir: policy });
  beforeAll(async () => {
    await migrate(db);
    await new PartnerRegistry(db).register({ partnerId: 'spsti-w', category: 'spsti', name: 'W', departements: [] });
  });
  afterAll(() => db.close());

  it('issues the secret once, sealed at rest, and seals it again under a new identity key', async () => {
    const k1 = new IdentityKeyring({ k1: key(1) }, 'k1');
    const subscriptions = new WebhookSubscriptions(store, k1, new AuditTrail(db), true);
    const first = await subscriptions.set('spsti-w', 'http://127.0.0.1:9/hook', 'test');
    expect(first.secret).toMatch(/^whsec_/);
    expect((await subscriptions.set('spsti-w', 'http://127.0.0.1:9/other', 'test')).secret).toBeUndefined();
    const stored = async () => (await db.query<{ k: string; s: Uint8Array }>("SELECT webhook_secret_key_id AS k, webhook_secret_sealed AS s FROM partners WHERE partner_id = 'spsti-w'")).rows[0];
    expect(Buffer.from((await stored()).s).toString('latin1')).not.toContain(first.secret!.slice(6, 20));

    const k2 = new IdentityKeyring({ k1: key(1), k2: key(2) }, 'k2');
    expect(await resealWebhookSecrets(db, k2)).toBe(1);
    expect(await resealWebhookSecrets(db, k2)).toBe(0);
    const now = await stored();
    expect(now.k).toBe('k2');
    // Only the new key is needed to sign now, with the same secret.
    const k2only = new IdentityKeyring({ k2: key(2) }, 'k2');
    expect(k2only.openBytes(secretContext('spsti-w'), { keyId: 'k2', sealed: Buffer.from(now.s) }).toString('utf8')).toBe(first.secret);
  });

  it('refuses a URL that is not http(s), and parks what was pending when the webhook is removed', async () => {
    const subscriptions = new WebhookSubscriptions(store, new IdentityKeyring({ k1: key(1) }, 'k1'), new AuditTrail(db), true);
    await expect(subscriptions.set('spsti-w', 'ftp://example.org/x', 'test')).rejects.toMatchObject({ status: 400 });
    await db.query("INSERT INTO push_deliveries (event_id, channel, partner_id, event_type, item_id, next_at) VALUES ('evt_1', 'webhook', 'spsti-w', 'inbox.item.delivered', 'itm_1', now())");
    const removed = await subscriptions.remove('spsti-w', 'test');
    expect(removed).toMatchObject({ url: null, events: { pending: 0, parked: 1 } });
  });
});
