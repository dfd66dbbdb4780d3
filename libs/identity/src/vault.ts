import { Database, REKEY_MAP, Sql } from '@pdp/db';
import { IdentityKeyring, ReceivedWorker, SealedIdentity, WorkerIdentity, identityOf } from './identity';
import { IdentityStore } from './identity.store';

/**
 * The workers' identities, kept apart and encrypted at rest, keyed by person pseudonym. Intakes
 * seal what they receive (while they still hold it) and save it in their transaction; only the
 * delivery to an entitled recipient opens it, and that read is audited by the caller.
 */
export class IdentityVault {
  private readonly store: IdentityStore;

  constructor(
    db: Database,
    private readonly keyring: IdentityKeyring,
  ) {
    this.store = new IdentityStore(db);
  }

  seal(person: string, worker: ReceivedWorker): SealedIdentity {
    return this.keyring.seal(person, identityOf(worker));
  }

  /** Keeps the persons' identities; returns those it held already (the others are new to the hub). */
  save(tx: Sql, rows: readonly { person: string; sealed: SealedIdentity }[]): Promise<Set<string>> {
    return this.store.save(tx, rows);
  }

  /** A person's identity; `sql`: the caller's transaction, when it holds one (an embedded database has one connection). */
  async open(person: string, sql?: Sql): Promise<WorkerIdentity | null> {
    const s = await this.store.get(person, sql);
    return s ? this.keyring.open(person, s) : null;
  }

  /** Forgets a person's identity (an erasure), in the caller's transaction; true when there was one. */
  async forget(tx: Sql, person: string): Promise<boolean> {
    return (await tx.query('DELETE FROM identities WHERE person_pseudonym = $1', [person])).rowCount > 0;
  }

  /**
   * Re-keys the identities to the new pseudonyms (REKEY_MAP, a rotation of the pseudonymisation
   * key): each is sealed to its person, so it is opened under the old one and sealed again under
   * the new, with the active key.
   */
  async rekey(tx: Sql): Promise<number> {
    const { rows } = await tx.query<{ old: string; new: string; key_id: string; sealed: Buffer | Uint8Array }>(
      `SELECT m.old, m.new, i.key_id, i.sealed FROM identities i JOIN ${REKEY_MAP} m ON m.old = i.person_pseudonym`,
    );
    if (rows.length === 0) return 0;
    const resealed = rows.map((r) => this.keyring.seal(r.new, this.keyring.open(r.old, { keyId: r.key_id, sealed: Buffer.from(r.sealed) })));
    await tx.query(
      `UPDATE identities i SET person_pseudonym = v.n, key_id = v.k, sealed = v.s, updated_at = now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[]) AS v(o, n, k, s) WHERE i.person_pseudonym = v.o`,
      [rows.map((r) => r.old), rows.map((r) => r.new), resealed.map((s) => s.keyId), resealed.map((s) => s.sealed)],
    );
    return rows.length;
  }

  /** Several persons' identities in one query (a batch's deliveries), by person; `sql` as for open. */
  async openMany(persons: readonly string[], sql?: Sql): Promise<Map<string, WorkerIdentity>> {
    const sealed = await this.store.getMany(persons, sql);
    return new Map([...sealed].map(([person, s]) => [person, this.keyring.open(person, s)]));
  }

  /** Re-seals, a page at a time, what older keys sealed; returns how many were re-sealed. */
  async reseal(pageSize = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const page = await this.store.sealedWithOtherKey(this.keyring.active, pageSize);
      for (const r of page) await this.store.replace(r.person, r.sealed, this.keyring.seal(r.person, this.keyring.open(r.person, r.sealed)));
      total += page.length;
      if (page.length < pageSize) return total;
    }
  }
}
