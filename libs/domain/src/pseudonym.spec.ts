import { createHmac } from 'crypto';
import { BatchPseudonyms, Pseudonymizer } from './pseudonym';
import { HmacSha256 } from './hmac-sha256';

const hmac = (key: string, text: string) => createHmac('sha256', key).update(text).digest('base64url');

describe('Pseudonymizer', () => {
  it("is HMAC-SHA-256 of kind:value under the key (the demo data and partners' pseudonyms depend on it)", () => {
    for (const key of ['0123456789abcdef', 'k'.repeat(64), 'a much longer secret than one sha-256 block, '.repeat(3), 'clé-accentuée-0123456789']) {
      const p = new Pseudonymizer(key);
      expect(p.id('leave', 'AT-2026-000123')).toBe(hmac(key, 'leave:AT-2026-000123'));
      expect(p.id('episode', 'é€')).toBe(hmac(key, 'episode:é€'));
      // Longer than the padded buffer it starts with, then short again.
      expect(p.id('leave', 'x'.repeat(1000))).toBe(hmac(key, `leave:${'x'.repeat(1000)}`));
      expect(p.id('leave', 'AT-1')).toBe(hmac(key, 'leave:AT-1'));
      // The person pseudonym keys on the 13-digit matricule (NIR and INS share it).
      expect(p.person('1850775123456' + '42')).toBe(hmac(key, 'person:1850775123456'));
    }
  });

  it('gives the same pseudonym on every call and different ones under another key', () => {
    const a = new Pseudonymizer('0123456789abcdef');
    expect(a.person('1850775123456')).toBe(a.person('1850775123456'));
    expect(new Pseudonymizer('fedcba9876543210').person('1850775123456')).not.toBe(a.person('1850775123456'));
  });

  it('refuses a short key', () => {
    expect(() => new Pseudonymizer('short')).toThrow(/at least 16/);
  });

  it("a batch's memo gives the pseudonymizer's values, computing each once", () => {
    const p = new Pseudonymizer('0123456789abcdef');
    const calls: string[] = [];
    const counting = Object.assign(Object.create(p) as Pseudonymizer, {
      person: (m: string) => (calls.push('person'), p.person(m)),
      id: (k: string, v: string) => (calls.push(k), p.id(k, v)),
    });
    const batch = new BatchPseudonyms(counting);
    expect(batch.person('185077512345642')).toBe(p.person('185077512345642'));
    // NIR and INS of the same person (same 13-digit matricule) share the computed value.
    expect(batch.person('185077512345699')).toBe(p.person('185077512345642'));
    expect(batch.id('episode', 'AT-1')).toBe(p.id('episode', 'AT-1'));
    expect(batch.id('episode', 'AT-1')).toBe(p.id('episode', 'AT-1'));
    expect(batch.id('leave', 'AT-1')).toBe(p.id('leave', 'AT-1'));
    expect(calls).toEqual(['person', 'episode', 'leave']);
  });
});

describe('HmacSha256', () => {
  it('is createHmac for every message length around the block boundaries, and keys of any length', () => {
    for (const key of ['k', 'k'.repeat(64), 'k'.repeat(65), 'k'.repeat(200)]) {
      const mac = new HmacSha256(Buffer.from(key));
      for (let n = 0; n <= 300; n++) {
        const text = 'é'.repeat(n % 7) + 'x'.repeat(n);
        expect(mac.base64url(text)).toBe(hmac(key, text));
      }
    }
  });
});
