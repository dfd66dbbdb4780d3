import { HmacSha256 } from './hmac-sha256';

/**
 * Keyed pseudonyms: HMAC-SHA-256 with a secret held by the hub, base64url. The same person
 * gets the same pseudonym across partners (needed for deduplication) but nobody without the
 * key can link it back to the NIR. INS and NIR share the same matricule, hence one pseudonym.
 */
export class Pseudonymizer {
  private readonly hmac: HmacSha256;

  constructor(key: string) {
    if (key.length < 16) throw new Error('pseudonym key must be at least 16 characters');
    this.hmac = new HmacSha256(Buffer.from(key, 'utf8'));
  }

  person(nirOrInsMatricule: string): string {
    return this.hmac.base64url(`person:${nirOrInsMatricule.slice(0, 13)}`);
  }

  /** Pseudonymous id of anything tied to a person-level identifier (e.g. an insurer's leave id). */
  id(kind: string, value: string): string {
    return this.hmac.base64url(`${kind}:${value}`);
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
