import { migrate, PgDatabase } from '@pdp/db';
import { Client } from 'pg';
import { randomBytes } from 'crypto';

/** Server used by the tests: the local one unless TEST_PG_ADMIN_URL points elsewhere. */
const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database per test run, dropped afterwards. */
export async function createTestDatabase(adminUrl: string = ADMIN_URL): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `pdp_test_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A login role of the test server, as an application's role: it owns nothing and may do only
 * what it is granted. `urlOf` gives a database URL that connects as it; dropped afterwards
 * (once the databases it was granted something in are dropped).
 */
export async function createTestRole(adminUrl: string = ADMIN_URL): Promise<{ name: string; urlOf: (databaseUrl: string) => string; drop: () => Promise<void> }> {
  const name = `pdp_app_${randomBytes(5).toString('hex')}`;
  const run = async (sql: string) => {
    const c = new Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`CREATE ROLE ${name} LOGIN`);
  return {
    name,
    urlOf: (databaseUrl) => {
      const url = new URL(databaseUrl);
      url.username = name;
      url.password = '';
      return url.toString();
    },
    drop: () => run(`DROP ROLE IF EXISTS ${name}`),
  };
}

/** A fresh test database with every migration applied, and a connection to it (the fault tests, whose services run as their own processes). */
export async function migratedTestDatabase(): Promise<{ url: string; db: PgDatabase }> {
  const { url } = await createTestDatabase();
  const db = new PgDatabase(url);
  await migrate(db);
  return { url, db };
}
