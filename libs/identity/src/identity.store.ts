import { Sql } from '@pdp/db';
import { SealedIdentity } from './identity';

/** The identities table: one sealed identity per person pseudonym, the latest received. */
export class IdentityStore {
  constructor(private readonly db: Sql) {}

  /**
   * Upserts a batch's identities in one statement (the latest of the batch per person wins);
   * returns the persons it already held (an update, not an insert).
   */
  async save(tx: Sql, rows: readonly { person: string; sealed: SealedIdentity }[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const latest = new Map(rows.map((r) => [r.person, r.sealed]));
    // xmax is the updating transaction on a row ON CONFLICT updated, 0 on a row it inserted.
    const { rows: held } = await tx.query<{ p: string }>(
      `WITH saved AS (
         INSERT INTO identities (person_pseudonym, key_id, sealed)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])
         ON CONFLICT (person_pseudonym) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed, updated_at = now()
         RETURNING person_pseudonym, xmax)
       SELECT person_pseudonym AS p FROM saved WHERE xmax::text <> '0'`,
      [[...latest.keys()], [...latest.values()].map((s) => s.keyId), [...latest.values()].map((s) => s.sealed)],
    );
    return new Set(held.map((r) => r.p));
  }

  async get(person: string, sql: Sql = this.db): Promise<SealedIdentity | null> {
    const { rows } = await sql.query<{ key_id: string; sealed: Buffer | Uint8Array }>('SELECT key_id, sealed FROM identities WHERE person_pseudonym = $1', [person]);
    return rows[0] ? { keyId: rows[0].key_id, sealed: Buffer.from(rows[0].sealed) } : null;
  }

  /** The sealed identities of several persons in one query, by person (those the hub holds). */
  async getMany(persons: readonly string[], sql: Sql = this.db): Promise<Map<string, SealedIdentity>> {
    if (persons.length === 0) return new Map();
    const { rows } = await sql.query<{ person_pseudonym: string; key_id: string; sealed: Buffer | Uint8Array }>(
      'SELECT person_pseudonym, key_id, sealed FROM identities WHERE person_pseudonym = ANY($1::text[])',
      [[...new Set(persons)]],
    );
    return new Map(rows.map((r) => [r.person_pseudonym, { keyId: r.key_id, sealed: Buffer.from(r.sealed) }]));
  }

  /** Identities sealed with another key than the active one, a page at a time. */
  async sealedWithOtherKey(activeKeyId: string, limit: number): Promise<{ person: string; sealed: SealedIdentity }[]> {
    const { rows } = await this.db.query<{ person_pseudonym: string; key_id: string; sealed: Buffer | Uint8Array }>(
      'SELECT person_pseudonym, key_id, sealed FROM identities WHERE key_id <> $1 ORDER BY person_pseudonym LIMIT $2',
      [activeKeyId, limit],
    );
    return rows.map((r) => ({ person: r.person_pseudonym, sealed: { keyId: r.key_id, sealed: Buffer.from(r.sealed) } }));
  }

  /** Replaces a sealed identity only if it is still the one read (a newer one is left alone). */
  async replace(person: string, from: SealedIdentity, to: SealedIdentity): Promise<void> {
    await this.db.query('UPDATE identities SET key_id = $2, sealed = $3 WHERE person_pseudonym = $1 AND key_id = $4 AND sealed = $5', [person, to.keyId, to.sealed, from.keyId, from.sealed]);
  }
}
