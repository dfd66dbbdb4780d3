import { AuditTrail } from '@pdp/audit';
import { loadRekeyConfig } from '@pdp/config';
import { migrate, PgDatabase } from '@pdp/db';
import { Pseudonymizer } from '@pdp/domain';
import { rekeyPseudonyms } from '@pdp/erasure';
import { IdentityKeyring, IdentityVault } from '@pdp/identity';

/**
 * `npm run pseudonyms:rekey`: carries the pseudonyms of the database DATABASE_URL names to the
 * version of the key chain (PSEUDONYM_KEY, then PSEUDONYM_KEY_ROTATIONS), with the services
 * stopped, and prints what it did as one JSON line. Returns the exit status: 0 done (or nothing
 * to do), 2 could not.
 */
export async function pseudonymRekey(env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<number> {
  const config = loadRekeyConfig(env);
  const db = new PgDatabase(config.databaseUrl, 1);
  try {
    await migrate(db);
    const keyring = new IdentityKeyring(config.identityKeys.keys, config.identityKeys.activeKeyId);
    const done = await rekeyPseudonyms(
      db,
      new Pseudonymizer(config.pseudonymKey, config.pseudonymRotations),
      new IdentityVault(db, keyring),
      new AuditTrail(db),
      env.REKEY_ACTOR ?? 'pseudonyms:rekey',
    );
    print(JSON.stringify(done));
    return 0;
  } finally {
    await db.close();
  }
}
