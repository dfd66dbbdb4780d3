import { AuditTrail } from '@pdp/audit';
import { loadDatabaseConfig } from '@pdp/config';
import { PgDatabase } from '@pdp/db';

/**
 * `npm run audit:verify`: walks the audit chain of the database DATABASE_URL names and prints
 * the verification as one JSON line (libs/audit verifyChain). Reads only: no migration, no
 * append. Returns the exit status: 0 the chain holds, 1 it is broken (the line names the first
 * row modified or removed).
 */
export async function auditVerify(env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<number> {
  const { databaseUrl } = loadDatabaseConfig(env);
  const db = new PgDatabase(databaseUrl, 1);
  try {
    const result = await new AuditTrail(db).verifyChain();
    print(JSON.stringify(result));
    return result.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}
