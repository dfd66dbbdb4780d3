import { hash } from 'crypto';

const BLOCK = 64;

/**
 * Keyed pseudonyms: HMAC-SHA-256 with a secret held by the hub, base64url. The same person
 * gets the same pseudonym across partners (needed for deduplication) but nobody without the
 * key can link it back to the NIR. INS and NIR share the same matricule, hence one pseudonym.
 *
 * HMAC is computed from its definition, H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)), with two one-shot
 * `crypto.hash` calls over buffers padded once: createHmac builds a native object per call,
 * and a notification needs up to three (issue 5: ~25 % less per pseudonym). The spec checks
 * it against createHmac.
 */
export class Pseudonymizer {
  /** K ⊕ ipad, then room for the message (grown when a longer one comes). */
  private inner: Buffer;
  /** K ⊕ opad, then the inner digest. */
  private readonly outer = Buffer.alloc(BLOCK + 32);

  constructor(key: string) {
    if (key.length < 16) throw new Error('pseudonym key must be at least 16 characters');
    let k: Buffer = Buffer.from(key, 'utf8');
    if (k.length > BLOCK) k = hash('sha256', k, 'buffer') as unknown as Buffer;
    this.inner = Buffer.alloc(BLOCK + 256);
    for (let i = 0; i < BLOCK; i++) {
      this.inner[i] = (k[i] ?? 0) ^ 0x36;
      this.outer[i] = (k[i] ?? 0) ^ 0x5c;
    }
  }

  person(nirOrInsMatricule: string): string {
    return this.mac('person', nirOrInsMatricule.slice(0, 13));
  }

  /** Pseudonymous id of anything tied to a person-level identifier (e.g. an insurer's leave id). */
  id(kind: string, value: string): string {
    return this.mac(kind, value);
  }

  private mac(kind: string, value: string): string {
    const text = `${kind}:${value}`;
    const needed = BLOCK + Buffer.byteLength(text, 'utf8');
    if (needed > this.inner.length) {
      const grown = Buffer.alloc(needed * 2);
      this.inner.copy(grown, 0, 0, BLOCK);
      this.inner = grown;
    }
    const n = this.inner.write(text, BLOCK, 'utf8');
    (hash('sha256', this.inner.subarray(0, BLOCK + n), 'buffer') as unknown as Buffer).copy(this.outer, BLOCK);
    return hash('sha256', this.outer, 'base64url');
  }
}

/**
 * A batch's pseudonyms, each computed once: an initial leave and its prolongations share their
 * episode id and their worker's pseudonym, and often arrive in the same batch. Short-lived (one
 * batch): the map holds pseudonyms keyed by the identifiers they hide.
 */
export class BatchPseudonyms {
  private readonly memo = new Map<string, string>();

  constructor(private readonly pseudonymizer: Pseudonymizer) {}

  person(nirOrInsMatricule: string): string {
    // person(m) is id('person', m's first 13 characters): one key space.
    return this.memoised('person', nirOrInsMatricule.slice(0, 13), () => this.pseudonymizer.person(nirOrInsMatricule));
  }

  id(kind: string, value: string): string {
    return this.memoised(kind, value, () => this.pseudonymizer.id(kind, value));
  }

  private memoised(kind: string, value: string, compute: () => string): string {
    const key = `${kind}:${value}`;
    let p = this.memo.get(key);
    if (p === undefined) {
      p = compute();
      this.memo.set(key, p);
    }
    return p;
  }
}
