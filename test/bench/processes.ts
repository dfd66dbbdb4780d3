import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface AppProcess {
  name: string;
  child: ChildProcess;
  /** Peak resident set size so far, from /proc (VmHWM), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/**
 * The node flags the apps run with in production (docs/operations.md, "Running distributed"),
 * so the bench measures them as deployed: V8's background threads (parallel
 * scavenging, concurrent marking and compilation) two rather than Node's default four, which
 * on two cores competed with the handler threads, PostgreSQL and the broker.
 */
export const DEPLOYED_NODE_FLAGS = ['--v8-pool-size=2'];

/** Starts a compiled app (dist/apps/<app>/src/main.js) as its own process. */
export function startApp(app: string, name: string, env: Record<string, string>): AppProcess {
  // BENCH_PROFILE=1: a V8 CPU profile per app in bench-results/profiles (open in Chrome DevTools; not committed).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench-results', 'profiles')}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  // BENCH_APP_NODE_FLAGS: node/V8 flags for the apps only (some V8 flags are refused in NODE_OPTIONS).
  const flags = (process.env.BENCH_APP_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  // BENCH_APP_NODE_FLAGS come after the deployed ones: the last of a repeated flag wins.
  const child = spawn(process.execPath, [...DEPLOYED_NODE_FLAGS, ...flags, ...profile, path.join(ROOT, 'dist', 'apps', app, 'src', 'main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  // Each app's log goes to bench-results/logs/<name>.log for diagnosis.
  fs.mkdirSync(path.join(ROOT, 'bench-results', 'logs'), { recursive: true });
  const log = fs.createWriteStream(path.join(ROOT, 'bench-results', 'logs', `${name}.log`));
  child.stdout!.on('data', (d) => log.write(d));
  child.stderr!.on('data', (d) => {
    log.write(d);
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let lastPeak = 0;
  const peakRssMb = () => {
    try {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      lastPeak = Math.max(lastPeak, Math.round(kb / 1024));
    } catch {
      // process gone: keep the last reading
    }
    return lastPeak;
  };
  child.on('exit', (code) => {
    if (code && code !== 0 && code !== 143) process.stderr.write(`${name} exited ${code}: ${stderr}\n`);
  });
  return {
    name,
    child,
    peakRssMb,
    stop: () =>
      new Promise((resolve) => {
        peakRssMb();
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
