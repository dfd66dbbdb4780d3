import { createHash } from 'crypto';
import { shortDigest } from './digest';

describe('shortDigest', () => {
  it('is the SHA-256 base64url digest cut to the length, as ids were derived before', () => {
    for (const s of ['', 'spsti-01|episode', 'é|ü|漢字', 'x'.repeat(1000)]) {
      expect(shortDigest(s, 24)).toBe(createHash('sha256').update(s).digest('base64url').slice(0, 24));
    }
    expect(shortDigest('a', 22)).toHaveLength(22);
    expect(shortDigest('a', 22)).not.toBe(shortDigest('b', 22));
  });
});
