import { Database, Sql } from '@pdp/db';
import { IdentityVault } from '@pdp/identity';
import { encryptFor, PartnerEncryptionKey } from './encryption-key';

/** How long the partners' keys are kept in memory between two reads of the registry. */
const KEYS_TTL_MS = 30_000;

/**
 * The worker's identity for a partner's Kafka topic: a compact JWE for that partner's registered
 * public key alone, so that whoever operates Kafka cannot read it. A partner without a key gets
 * none on its topic (it reads the identity from its HTTP inbox). The keys are read from the
 * registry at most every 30 seconds: a deployment where no partner has one pays one query.
 */
export class PartnerIdentitySealer {
  private keys?: { at: number; byPartner: Map<string, PartnerEncryptionKey> };

  constructor(
    private readonly db: Database,
    private readonly vault: IdentityVault,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * For each item (partner, person), the JWE of the person's identity when the partner has a key
   * and the hub holds her identity. `sql`: the caller's transaction when it publishes inside one
   * (the identity it just saved is visible there, and an embedded database has one connection).
   */
  async sealFor(items: readonly { partnerId: string; person: string }[], sql: Sql = this.db): Promise<(string | undefined)[]> {
    const keys = await this.partnerKeys(sql);
    if (keys.size === 0) return items.map(() => undefined);
    // The identities of the batch's items for partners with a key, in one query.
    const identities = await this.vault.openMany(
      items.filter((i) => keys.has(i.partnerId)).map((i) => i.person),
      sql,
    );
    const out: (string | undefined)[] = [];
    for (const { partnerId, person } of items) {
      const key = keys.get(partnerId);
      const identity = key ? identities.get(person) : undefined;
      out.push(key && identity ? await encryptFor(key, JSON.stringify(identity)) : undefined);
    }
    return out;
  }

  /** A key registered or changed in this process is used from the next delivery on (other processes: within 30 s). */
  forgetKeys(): void {
    this.keys = undefined;
  }

  private async partnerKeys(sql: Sql): Promise<Map<string, PartnerEncryptionKey>> {
    if (this.keys && this.now() - this.keys.at < KEYS_TTL_MS) return this.keys.byPartner;
    const { rows } = await sql.query<{ partner_id: string; encryption_jwk: PartnerEncryptionKey }>('SELECT partner_id, encryption_jwk FROM partners WHERE encryption_jwk IS NOT NULL');
    this.keys = { at: this.now(), byPartner: new Map(rows.map((r) => [r.partner_id, r.encryption_jwk])) };
    return this.keys.byPartner;
  }
}

/** A delivery's JSON with the sealed identity added (`workerJwe`), without serialising it again. */
export function withWorkerJwe(json: string, jwe: string | undefined): string {
  return jwe === undefined ? json : `${json.slice(0, -1)},"workerJwe":${JSON.stringify(jwe)}}`;
}
