import { HmacSha256 } from './hmac-sha256';

/**
 * Keyed pseudonyms: HMAC-SHA-256 with a secret held by the hub, base64url. The same person
 * gets the same pseudonym across partners (needed for deduplication) but nobody without the
 * key can link it back to the NIR. INS and NIR share the same matricule, hence one pseudonym.
 *
 * The person's pseudonym is versioned by a chain of keys (docs/security.md, "Rotating the
 * pseudonymisation key"): version 1 is `HMAC(K1, matricule)`, version n is `HMAC(Kn, version
 * n-1)`. A rotation adds a key and re-keys what is stored from the pseudonyms alone, so a
 * person's past and new events stay linked, and whoever holds the earlier keys but not the new
 * one cannot find her rows. Ids made from other identifiers (`id`) stay under the first key: they
 * are references partners hold (episode and item ids), not persons.
 */
export class Pseudonymizer {
  private readonly hmac: HmacSha256;
  private readonly chain: HmacSha256[];

  /** `rotations`: the keys added since `key`, oldest first. */
  constructor(key: string, rotations: readonly string[] = []) {
    for (const k of [key, ...rotations]) if (k.length < 16) throw new Error('pseudonym key must be at least 16 characters');
    this.hmac = new HmacSha256(Buffer.from(key, 'utf8'));
    this.chain = rotations.map((k) => new HmacSha256(Buffer.from(k, 'utf8')));
  }

  /** The version of the pseudonyms this chain makes: 1 plus the rotations. */
  get version(): number {
    return 1 + this.chain.length;
  }

  person(nirOrInsMatricule: string): string {
    return this.forward(this.first(nirOrInsMatricule), 1);
  }

  /** Every version of a person's pseudonym, the first first: what the audit and the topics may still hold of her. */
  personVersions(nirOrInsMatricule: string): string[] {
    const versions = [this.first(nirOrInsMatricule)];
    for (const k of this.chain) versions.push(rekeyWith(k, versions[versions.length - 1]));
    return versions;
  }

  /** A pseudonym of version `from` carried to the current version (a re-key needs no identifier). */
  forward(pseudonym: string, from: number): string {
    let p = pseudonym;
    for (const k of this.chain.slice(from - 1)) p = rekeyWith(k, p);
    return p;
  }

  /**
   * The keys under which a reference a rotation retired (a case id made from an earlier version)
   * is linked to its successor, one per rotation it may date from: each is keyed by that
   * rotation's key and carried forward by the later ones, so the earlier keys alone open none.
   */
  linkKeys(ref: string): string[] {
    return this.chain.map((k, i) => this.forward(k.base64url(`link:${ref}`), i + 2));
  }

  /** Pseudonymous id of anything tied to a person-level identifier (e.g. an insurer's leave id). */
  id(kind: string, value: string): string {
    return this.hmac.base64url(`${kind}:${value}`);
  }

  private first(nirOrInsMatricule: string): string {
    return this.hmac.base64url(`person:${nirOrInsMatricule.slice(0, 13)}`);
  }
}

function rekeyWith(k: HmacSha256, pseudonym: string): string {
  return k.base64url(`rekey:${pseudonym}`);
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
    // Memoised under 'person:' and the matricule's first 13 characters, which is all person() reads.
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
