import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { newWebhookSecret, signedHeaders } from './signing';

describe('webhook signatures (Standard Webhooks)', () => {
  const body = JSON.stringify({ schemaVersion: 'webhook-event/1', type: 'inbox.item.delivered', data: { itemId: 'itm_1' } });

  it('issues a whsec_ secret of 32 random bytes, a new one each time', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(a);
  });

  it('signs so that a receiver verifies with the secret, and with no other secret, body or id', () => {
    const secret = newWebhookSecret();
    const headers = signedHeaders(secret, 'evt_1', new Date(), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({ type: 'inbox.item.delivered' });
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(body.replace('itm_1', 'itm_2'), headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'evt_2' })).toThrow(WebhookVerificationError);
  });

  it('dates the call, so that a receiver refuses one replayed much later', () => {
    const secret = newWebhookSecret();
    const old = new Date(Date.now() - 3_600_000);
    const headers = signedHeaders(secret, 'evt_1', old, body);
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(old.getTime() / 1000)));
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(/timestamp/i);
  });
});
