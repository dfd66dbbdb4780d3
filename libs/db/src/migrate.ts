import * as fs from 'fs';
import * as path from 'path';
import { Database } from './database';

function migrationsDir(): string {
  // From sources or from dist/: walk up to the repository's libs/db/migrations.
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'libs', 'db', 'migrations');
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`libs/db/migrations not found above ${__dirname}`);
}

/**
 * Applies libs/db/migrations/NNN_*.sql in order, each once, each in its own transaction.
 * An advisory lock keeps two apps starting together from applying the same migration.
 */
export async function migrate(db: Database, dir = migrationsDir()): Promise<string[]> {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort();
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(4242001)');
    await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = fs.readFileSync(path.join(dir, file), 'utf8');
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
      applied.push(file);
    }
    return applied;
  });
}

/**
 * Statements are separated by ';' at the end of a line; whole-line comments are dropped. Inside
 * a dollar-quoted body (a function's or a DO block's `$$ … $$`) a line may end with ';' too:
 * the statement goes on until the quote closes.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let pending: string | null = null;
  for (const piece of sql.replace(/^\s*--.*$/gm, '').split(/;\s*$/m)) {
    pending = pending === null ? piece : `${pending};${piece}`;
    if ((pending.match(/\$[A-Za-z_]*\$/g) ?? []).length % 2 === 1) continue;
    statements.push(pending);
    pending = null;
  }
  if (pending !== null) statements.push(pending);
  return statements.map((s) => s.trim()).filter((s) => s.length > 0);
}
