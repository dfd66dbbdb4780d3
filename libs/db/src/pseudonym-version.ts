import { Sql } from './database';

/**
 * Checks that the database holds pseudonyms of `version` (the configured key chain's), and
 * records it in a database that holds none yet. Two versions meeting in new rows would split a
 * person in two (docs/operations.md, "Rotating the pseudonymisation key").
 */
export async function checkPseudonymVersion(db: Sql, version: number): Promise<void> {
  await db.query('INSERT INTO pseudonym_version (version) VALUES ($1) ON CONFLICT DO NOTHING', [version]);
  const held = await pseudonymVersionOf(db);
  if (held !== version)
    throw new Error(
      `the database holds pseudonyms of version ${held} and PSEUDONYM_KEY_ROTATIONS makes version ${version}: ` +
        (held < version ? 'stop the services and run the re-key (npm run pseudonyms:rekey) first' : 'a key of the chain is missing from PSEUDONYM_KEY_ROTATIONS'),
    );
}

/** The version of the pseudonyms the database holds. */
export async function pseudonymVersionOf(db: Sql): Promise<number> {
  const { rows } = await db.query<{ version: number }>('SELECT version FROM pseudonym_version');
  return rows[0]?.version ?? 1;
}

/**
 * During a re-key (libs/erasure `rekeyPseudonyms`), the temporary table that maps each stored
 * pseudonym to its new version, and each case id made from it to the new one. Each flow re-keys
 * its own tables from it, beside its erasure.
 */
export const REKEY_MAP = 'pseudonym_rekey';

/**
 * Re-keys a table's person column from the map, with in the same rows its case-id column and the
 * documents that name the person (their text holds the old pseudonym and case id, unique strings,
 * replaced as such). Returns the rows changed.
 */
export async function rekeyColumns(tx: Sql, table: string, columns: { person: string; caseId?: string; documents?: { column: string; type: 'json' | 'jsonb' }[] }): Promise<number> {
  const sets = [`${columns.person} = m.new`];
  if (columns.caseId) sets.push(`${columns.caseId} = m.new_case`);
  for (const d of columns.documents ?? []) sets.push(`${d.column} = replace(replace(t.${d.column}::text, m.old, m.new), m.old_case, m.new_case)::${d.type}`);
  const r = await tx.query(`UPDATE ${table} t SET ${sets.join(', ')} FROM ${REKEY_MAP} m WHERE t.${columns.person} = m.old`);
  return r.rowCount;
}

/** Re-keys the documents of a table without a person column, found by the pseudonym the document holds (`at`: an SQL expression on `t`). */
export async function rekeyDocuments(tx: Sql, table: string, document: { column: string; type: 'json' | 'jsonb' }, at: string): Promise<number> {
  const r = await tx.query(
    `UPDATE ${table} t SET ${document.column} = replace(replace(t.${document.column}::text, m.old, m.new), m.old_case, m.new_case)::${document.type}
       FROM ${REKEY_MAP} m WHERE m.old = ${at}`,
  );
  return r.rowCount;
}
