import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Database, migrate } from '@pdp/db';

const MIGRATIONS = path.join(__dirname, '..', '..', 'libs', 'db', 'migrations');

/** The migrations from `first` on, as migrate() reports applying them. */
export function migrationsFrom(first: string): string[] {
  return fs
    .readdirSync(MIGRATIONS)
    .filter((f) => f >= first)
    .sort();
}

/** Brings db to the schema just before migration `next` (e.g. '009'), as an older release left it. */
export async function migrateBefore(db: Database, next: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdp-migrations-'));
  try {
    for (const f of fs.readdirSync(MIGRATIONS).filter((f) => f < next)) fs.copyFileSync(path.join(MIGRATIONS, f), path.join(dir, f));
    await migrate(db, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
