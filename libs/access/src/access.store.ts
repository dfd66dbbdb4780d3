import { Sql } from '@pdp/db';
import type { Role } from '@pdp/http';

export interface AccountRow {
  account_id: string;
  role: Role;
  name: string;
}

export interface CredentialRow {
  client_id: string;
  principal_kind: 'partner' | 'account';
  principal_id: string;
  secret_hash: string;
}

/** The accounts and credentials tables: who may call the hub, and the hashes of their secrets. */
export class AccessStore {
  constructor(private readonly db: Sql) {}

  async upsertAccount(a: AccountRow): Promise<'created' | 'updated'> {
    const { rows } = await this.db.query<{ inserted: boolean }>(
      `INSERT INTO accounts (account_id, role, name) VALUES ($1, $2, $3)
       ON CONFLICT (account_id) DO UPDATE SET role = excluded.role, name = excluded.name
       RETURNING (xmax = 0) AS inserted`,
      [a.account_id, a.role, a.name],
    );
    return rows[0]?.inserted ? 'created' : 'updated';
  }

  async account(accountId: string): Promise<AccountRow | null> {
    const { rows } = await this.db.query<AccountRow>('SELECT account_id, role, name FROM accounts WHERE account_id = $1', [accountId]);
    return rows[0] ?? null;
  }

  async accounts(): Promise<AccountRow[]> {
    const { rows } = await this.db.query<AccountRow>('SELECT account_id, role, name FROM accounts ORDER BY account_id');
    return rows;
  }

  /** The credential's row while it is not revoked. */
  async activeCredential(clientId: string): Promise<CredentialRow | null> {
    const { rows } = await this.db.query<CredentialRow>('SELECT client_id, principal_kind, principal_id, secret_hash FROM credentials WHERE client_id = $1 AND revoked_at IS NULL', [clientId]);
    return rows[0] ?? null;
  }

  async activeCredentials(kind: CredentialRow['principal_kind'], principalId: string): Promise<CredentialRow[]> {
    const { rows } = await this.db.query<CredentialRow>(
      'SELECT client_id, principal_kind, principal_id, secret_hash FROM credentials WHERE principal_kind = $1 AND principal_id = $2 AND revoked_at IS NULL',
      [kind, principalId],
    );
    return rows;
  }

  /** Revokes the principal's credentials, then stores the new one: one statement, so no instant has none or two. */
  async replaceCredentials(c: CredentialRow): Promise<number> {
    const { rows } = await this.db.query<{ revoked: number }>(
      `WITH revoked AS (
         UPDATE credentials SET revoked_at = now() WHERE principal_kind = $2 AND principal_id = $3 AND revoked_at IS NULL AND client_id <> $1 RETURNING 1
       ), added AS (
         INSERT INTO credentials (client_id, principal_kind, principal_id, secret_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (client_id) DO UPDATE SET secret_hash = excluded.secret_hash, revoked_at = NULL
           WHERE credentials.principal_kind = excluded.principal_kind AND credentials.principal_id = excluded.principal_id RETURNING 1
       )
       SELECT (SELECT count(*) FROM revoked)::int AS revoked`,
      [c.client_id, c.principal_kind, c.principal_id, c.secret_hash],
    );
    return rows[0]?.revoked ?? 0;
  }
}
