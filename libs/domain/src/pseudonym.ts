import { createHmac, createSecretKey, KeyObject } from 'crypto';

/**
 * Keyed pseudonyms: HMAC-SHA-256 with a secret held by the hub, base64url. The same person
 * gets the same pseudonym across partners (needed for deduplication) but nobody without the
 * key can link it back to the NIR. INS and NIR share the same matricule, hence one pseudonym.
 */
export class Pseudonymizer {
  /** Imported once: a KeyObject spares each of the three HMACs a notification needs the key set-up (≈ 1/3 of its cost). */
  private readonly key: KeyObject;

  constructor(key: string) {
    if (key.length < 16) throw new Error('pseudonym key must be at least 16 characters');
    this.key = createSecretKey(Buffer.from(key, 'utf8'));
  }

  person(nirOrInsMatricule: string): string {
    return this.mac('person', nirOrInsMatricule.slice(0, 13));
  }

  /** Pseudonymous id of anything tied to a person-level identifier (e.g. an insurer's leave id). */
  id(kind: string, value: string): string {
    return this.mac(kind, value);
  }

  private mac(kind: string, value: string): string {
    return createHmac('sha256', this.key).update(`${kind}:${value}`).digest('base64url');
  }
}
