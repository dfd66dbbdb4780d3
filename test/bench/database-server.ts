import { existsSync } from 'fs';
import { resolve } from 'path';
import { Client } from 'pg';
import { runScript } from '../support/scripts';

export interface BenchDatabaseServer {
  /** Admin URL on which each phase creates (and drops) its own database. */
  adminUrl: string;
  /** Where it came from, for the results file. */
  kind: 'dedicated (deploy/postgres/hub.conf)' | 'given (BENCH_PG_ADMIN_URL)' | "machine's server";
  settings: Record<string, string>;
}

const ROOT = [resolve(__dirname, '..', '..'), resolve(__dirname, '..', '..', '..')].find((d) => existsSync(resolve(d, 'deploy', 'postgres', 'cluster.sh')))!;

/**
 * The PostgreSQL server the bench measures on. By default a dedicated cluster configured like
 * production (deploy/postgres/hub.conf, started by deploy/postgres/cluster.sh), so figures do
 * not depend on a machine's defaults; BENCH_PG=machine uses the machine's server (TEST_PG_ADMIN_URL
 * or 127.0.0.1:5432), BENCH_PG_ADMIN_URL any other.
 */
export async function benchDatabaseServer(): Promise<BenchDatabaseServer> {
  let adminUrl: string;
  let kind: BenchDatabaseServer['kind'];
  if (process.env.BENCH_PG_ADMIN_URL) {
    adminUrl = process.env.BENCH_PG_ADMIN_URL;
    kind = 'given (BENCH_PG_ADMIN_URL)';
  } else if (process.env.BENCH_PG === 'machine') {
    adminUrl = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    kind = "machine's server";
  } else {
    const { stdout } = await runScript(resolve(ROOT, 'deploy', 'postgres', 'cluster.sh'), ['start'], ROOT, process.env, 120_000);
    adminUrl = stdout.trim().split('\n').pop()!;
    kind = 'dedicated (deploy/postgres/hub.conf)';
  }
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
    `SELECT name, setting, unit FROM pg_settings
      WHERE name IN ('server_version', 'shared_buffers', 'max_wal_size', 'wal_compression', 'synchronous_commit', 'fsync', 'autovacuum', 'checkpoint_timeout')`,
  );
  await client.end();
  const settings = Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} × ${r.unit}` : r.setting]));
  return { adminUrl, kind, settings };
}
