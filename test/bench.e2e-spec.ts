import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: ROOT, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${String(stderr).slice(-4000)}`));
      else resolve(String(stdout));
    });
  });
}

/**
 * `npm run bench`, its SQL profile and the metrics rebuild at toy sizes, on the e2e broker (KAFKA_BROKERS) and the
 * machine's PostgreSQL: the bench keeps running as the code moves. No figure is asserted.
 */
describe('the benchmark, at toy sizes', () => {
  const env = { ...process.env, BENCH_PG: 'machine' };

  beforeAll(async () => {
    await run('npm', ['run', 'build:bench'], process.env, 240_000);
  }, 250_000);

  it('pipeline-sql handles every message and reports the statements and rows', async () => {
    const stdout = await run('node', ['dist/test/bench/pipeline-sql.js', '3000', '1000'], env, 120_000);
    expect(stdout).toMatch(/^3000 messages in /m);
    expect(stdout).toMatch(/× COPY episodes/);
    // Wired as the apps are: deliveries reach the audit trail and the cases' leads.
    expect(stdout).toMatch(/× COPY audit_log/);
    expect(stdout).toMatch(/× INSERT INTO case_leads/);
    expect(stdout).toMatch(/^CPU: node [\d.]+ s = [\d.]+ µs\/message, PostgreSQL sessions [\d.]+ s = [\d.]+ µs\/message/m);
    // (Its per-table counts come from statistics PostgreSQL flushes about once a second: not here.)
    expect(Number(/^episodes\s+average row (\d+) bytes/m.exec(stdout)?.[1])).toBeGreaterThan(0);
  }, 130_000);

  it('run.js measures every phase (pass-through, hub, full mix, latency, two instances) and writes them down', async () => {
    const out = path.join(os.tmpdir(), `pdp-bench-smoke-${process.pid}.json`);
    const sizes = {
      BENCH_MESSAGES: '3000',
      BENCH_SCALE_MESSAGES: '2000',
      BENCH_LATENCY_SECONDS: '3',
      BENCH_LATENCY_WARMUP_SECONDS: '1',
      BENCH_LATENCY_RATE: '200',
      BENCH_WARMUP_MESSAGES: '1000',
      BENCH_APP_WARMUP_MESSAGES: '500',
      BENCH_OUT: out,
    };
    try {
      await run('node', ['dist/test/bench/run.js'], { ...env, ...sizes }, 500_000);
      const r = JSON.parse(fs.readFileSync(out, 'utf8'));
      expect(r.passThrough.messages).toBe(3000);
      expect(r.hub).toMatchObject({ flow: 'sick-leave', messages: 3000 });
      expect(r.hub.inboxItems).toBeGreaterThan(0);
      expect(r.hub.ratioToPassThrough).toBeGreaterThan(0);
      // Measured after the apps' own warm-up, drained by the same processes; the whole drain too.
      expect(r.hub.appWarmupMessages).toBe(500);
      expect(r.hub.wholeDrain).toMatchObject({ messages: 3500 });
      expect(r.hub.wholeDrain.messagesPerSecond).toBeGreaterThan(0);
      expect(r.hub.storedPerSecond.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(3000);
      expect(r.warmUp).toMatchObject({ messages: 1000 });
      expect(r.warmUp.hubPerSecond).toBeGreaterThan(0);
      expect(r.hub.peakRssMb['normalizer-0']).toBeGreaterThan(0);
      expect(r.mixed).toMatchObject({ flow: 'all', messages: 2000 });
      expect(r.mixed.inboxItems).toBeGreaterThan(0);
      expect(r.latency.measured).toBeGreaterThan(0);
      expect(r.latency.notArrived).toBe(0);
      expect(r.latency.peakRssMb['normalizer-0']).toBeGreaterThan(0);
      expect(r.scaleOut.twoInstancesPerSecond).toBeGreaterThan(0);
      expect(r.scaleOut.oneInstancePerSecond).toBeGreaterThan(0);
    } finally {
      fs.rmSync(out, { force: true });
    }
  }, 510_000);

  it('metrics-rebuild.js loads an outcome log and times its rebuild', async () => {
    const stdout = await run('node', ['dist/test/bench/metrics-rebuild.js', '20000'], env, 120_000);
    const r = JSON.parse(stdout);
    expect(r.events).toBe(20000);
    expect(r.aggregateRows).toBeGreaterThan(0);
    expect(r.rebuildSeconds).toBeGreaterThan(0);
  }, 130_000);
});
