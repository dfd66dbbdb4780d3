/**
 * Where the sick-leave pipeline's database time goes: runs the normalizer and router in this
 * process (no Kafka: an in-memory bus; the audit trail wired as in the apps) over the bench's
 * message mix, generated up front, in batches like Kafka's, and prints the CPU per message of
 * this process and of the database's sessions and the client-side time and call count of each
 * SQL statement.
 * `npm run build:bench && node dist/test/bench/pipeline-sql.js [messages] [batch]`
 */
import { performance } from 'perf_hooks';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { inboxTopic } from '@pdp/contracts';
import { loadConfig } from '@pdp/config';
import { BusMessage, hubTopics, InMemoryBus } from '@pdp/bus';
import { Database, migrate, PgDatabase, Sql } from '@pdp/db';
import { AdhesionDirectory, PartnerRegistry } from '@pdp/partners';
import { LeaveNormalizer } from '@pdp/sick-leave';
import { NormalizerThreadModule } from '../../apps/normalizer/src/normalizer.module';
import { createTestDatabase } from '../support/postgres';
import { benchDatabaseServer } from './database-server';
import { populationFor, populationMix } from './mix';
import { cpuByPid } from './cpu';

const N = Number(process.argv[2] ?? 100_000);
const BATCH = Number(process.argv[3] ?? 2000);

const stats = new Map<string, { n: number; ms: number }>();
async function time<T>(text: string, run: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await run();
  } finally {
    const k = text.replace(/\s+/g, ' ').slice(0, 90);
    const s = stats.get(k) ?? { n: 0, ms: 0 };
    s.n++;
    s.ms += performance.now() - t;
    stats.set(k, s);
  }
}

function timed(sql: Sql): Sql {
  const copyIn = sql.copyIn;
  return {
    ...sql,
    query: (text, params) => time(text, () => sql.query(text, params)),
    ...(copyIn ? { copyIn: (text: string, chunks: Iterable<string | Buffer>) => time(text, () => copyIn(text, chunks)) } : {}),
  };
}

async function main() {
  const database = await createTestDatabase((await benchDatabaseServer()).adminUrl);
  const pg = new PgDatabase(database.url);
  // EXPLAIN=<ms>: auto_explain logs the plans of statements slower than that (server log).
  if (process.env.EXPLAIN) {
    (pg as unknown as { pool: import('pg').Pool }).pool.on('connect', (c) => {
      void c.query(
        `LOAD 'auto_explain'; SET auto_explain.log_min_duration = ${Number(process.env.EXPLAIN)}; SET auto_explain.log_analyze = on; SET auto_explain.log_buffers = on; SET auto_explain.log_wal = on; SET auto_explain.log_nested_statements = on`,
      );
    });
  }
  await migrate(pg);
  const population = populationFor(1, N);
  const bus = new InMemoryBus();
  await bus.ensureTopics([...hubTopics(1), ...population.partners.map((p) => ({ topic: inboxTopic(p.partnerId), partitions: 1 }))]);
  for (const p of population.partners) await new PartnerRegistry(pg).register(p);
  await new AdhesionDirectory(pg, bus).import(population.adhesions(), 'bench');
  const db: Database = { ...timed(pg), transaction: (fn) => pg.transaction((tx) => fn(timed(tx))), close: () => pg.close() };
  // The normalizer's handler-thread wiring, on the timed database: the router in the same
  // transaction, deliveries to the audit trail setting the case's lead, as deployed.
  const config = loadConfig({ ...process.env, PSEUDONYM_KEY: 'bench-pseudonym-key-0123456789abcdef', TOPIC_PARTITIONS: '1' }, { mode: 'embedded', demoData: false });
  const app = await NestFactory.createApplicationContext(NormalizerThreadModule.forRoot(config, { db, bus }), { logger: ['error', 'warn'] });
  const normalizer = app.get(LeaveNormalizer);
  // Generated up front: the CPU figure is the pipeline's alone.
  const batches: BusMessage[][] = [[]];
  let offset = 0;
  for (const m of populationMix(population, 'sick-leave', N)) {
    if (batches[batches.length - 1].length >= BATCH) batches.push([]);
    batches[batches.length - 1].push({ topic: m.topic as string, partition: 0, offset: String(offset++), key: m.key, value: Buffer.from(m.value), headers: {} });
  }
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const pg0 = cpuByPid();
  let handled = 0;
  for (const batch of batches) {
    await normalizer.handleBatch(batch);
    handled += batch.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const pg1 = cpuByPid();
  const { rows: backends } = await pg.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  const pgCpu = backends.reduce((a, b) => a + (pg1.get(b.pid)?.seconds ?? 0) - (pg0.get(b.pid)?.seconds ?? 0), 0);
  // CPU seconds hold under a shared machine's load; the wall clock does not.
  const nodeCpu = (cpu.user + cpu.system) / 1e6;
  console.log(
    `CPU: node ${nodeCpu.toFixed(2)} s = ${((nodeCpu * 1e6) / handled).toFixed(1)} µs/message, PostgreSQL sessions ${pgCpu.toFixed(2)} s = ${((pgCpu * 1e6) / handled).toFixed(1)} µs/message`,
  );
  const total = [...stats.values()].reduce((a, s) => a + s.ms, 0);
  console.log(`${handled} messages in ${seconds.toFixed(1)} s (${Math.round(handled / seconds)} msg/s), SQL ${(total / 1000).toFixed(1)} s`);
  for (const [k, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) console.log(`${(s.ms / 1000).toFixed(2).padStart(7)} s ${String(s.n).padStart(6)}× ${k}`);
  // Inserts, updates and HOT updates (no index entries) per table: where the rows and index entries came from.
  const { rows: tables } = await pg.query<{ relname: string; ins: string; upd: string; hot: string }>(
    `SELECT relname, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd > 0 ORDER BY n_tup_ins + n_tup_upd DESC`,
  );
  for (const t of tables) console.log(`${t.relname.padEnd(24)} inserted ${t.ins}, updated ${t.upd} (HOT ${t.hot})`);
  // Row sizes decide whether PostgreSQL tries to compress (TOAST) a row: above ~2 kB it does.
  const { rows: sizes } = await pg.query<{ rel: string; row: number; big: number }>(
    `SELECT 'episodes' AS rel, avg(pg_column_size(e.*))::int AS row, count(*) FILTER (WHERE pg_column_size(e.*) > 2032)::int AS big FROM episodes e
     UNION ALL SELECT 'inbox_items', avg(pg_column_size(i.*))::int, count(*) FILTER (WHERE pg_column_size(i.*) > 2032)::int FROM inbox_items i`,
  );
  for (const r of sizes) console.log(`${r.rel.padEnd(24)} average row ${r.row} bytes, ${r.big} rows over 2,032 bytes`);
  await pg.close();
  await database.drop();
}

void main();
