import { ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Compiles the apps into dist/ (`npm run build:bench`: apps and libs, no console) once per test
 * run: the test files of a run share the process, and its environment.
 */
export async function buildServices(): Promise<void> {
  if (process.env.PDP_E2E_DIST_BUILT === '1') return;
  await new Promise<void>((resolve, reject) => execFile('npm', ['run', 'build:bench'], { cwd: ROOT, timeout: 240_000 }, (e, _out, err) => (e ? reject(new Error(`${e.message}\n${err}`)) : resolve())));
  process.env.PDP_E2E_DIST_BUILT = '1';
}

/** A compiled service (`dist/apps/<app>/src/main.js`) run as its own process, as deployed, that a test can kill and start again. */
export class ServiceProcess {
  private child?: ChildProcess;
  private stderr = '';
  /** How many times it was killed. */
  kills = 0;

  /** Times a supervised process exited by itself and was started again. */
  restarts = 0;

  /**
   * `supervised`: started again a second after it exits by itself, as a deployment's supervisor
   * (systemd, Kubernetes) does; a process stopped by kill() stays stopped.
   */
  constructor(
    readonly app: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly options: { supervised?: boolean; probe?: string } = {},
  ) {}

  start(): void {
    if (this.child) throw new Error(`${this.app} is running`);
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'apps', this.app, 'src', 'main.js')], { env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d) => (this.stderr = (this.stderr + d).slice(-4000)));
    child.once('exit', () => {
      if (this.child !== child || !this.options.supervised) return;
      this.child = undefined;
      this.restarts++;
      setTimeout(() => this.child === undefined && this.start(), 1_000);
    });
    this.child = child;
  }

  /** Waits until its readiness probe answers 200. */
  async ready(timeoutMs = 60_000): Promise<void> {
    if (!this.options.probe) throw new Error(`${this.app} has no probe`);
    const deadline = Date.now() + timeoutMs;
    while (
      !(await fetch(this.options.probe).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline) throw new Error(`${this.app} is not ready after ${timeoutMs} ms\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The process's peak resident memory so far (VmHWM, Linux), in bytes. */
  peakRss(): number {
    const status = readFileSync(`/proc/${this.child!.pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The end of what it wrote on stderr (why it did not start, say). */
  get log(): string {
    return this.stderr;
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed or committed. */
  kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    this.kills++;
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/** The distributed hub's services as processes, on a test database and namespace (the fault tests). */
export interface DistributedServices {
  namespace: string;
  /** The services by app name (the gateway among them). */
  services: Record<string, ServiceProcess>;
  /** The gateway's base URL. */
  url: (path: string) => string;
  /** An HTTP call to the gateway with an API key (bounded to 15 s). */
  call: (method: string, path: string, key: string, body?: unknown) => Promise<Response>;
  stop: () => Promise<void>;
}

export const FAULTS_ADMIN_KEY = 'faults-admin-key-0123456789';

/**
 * Starts the gateway, waits for it, lets `setup` register partners through it, then starts the
 * other apps and waits for their probes. `env`: what the services get beyond the test defaults
 * (`KAFKA_BROKERS` and `DATABASE_URL` among them).
 */
export async function startDistributedServices(options: {
  apps: string[];
  env: NodeJS.ProcessEnv;
  supervised?: boolean;
  setup?: (s: Pick<DistributedServices, 'call' | 'url'>) => Promise<void>;
}): Promise<DistributedServices> {
  const { freePort } = await import('./scripts');
  const { randomBytes } = await import('node:crypto');
  const namespace = `faults-${randomBytes(3).toString('hex')}.`;
  const gatewayPort = await freePort();
  const url = (p: string) => `http://127.0.0.1:${gatewayPort}${p}`;
  const call = (method: string, p: string, key: string, body?: unknown) =>
    fetch(url(p), {
      method,
      headers: { 'X-Api-Key': key, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  const services: Record<string, ServiceProcess> = {};
  for (const app of ['gateway', ...options.apps.filter((a) => a !== 'gateway')]) {
    // The gateway and the metrics service serve HTTP, their probes with it; the workers on PROBE_PORT.
    const serves = app === 'gateway' || app === 'metrics';
    const port = app === 'gateway' ? gatewayPort : await freePort();
    const probePort = serves ? port : await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_CLIENT_ID: `pdp-${app}`,
      // A killed member's partitions move after 10 s rather than 30.
      KAFKA_SESSION_TIMEOUT_MS: '10000',
      PSEUDONYM_KEY: 'faults-pseudonym-key-0123456789abcdef',
      IDENTITY_KEYS: 'faults:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=',
      ADMIN_API_KEY: FAULTS_ADMIN_KEY,
      API_KEYS_ENABLED: 'true',
      TOPIC_NAMESPACE: namespace,
      TOPIC_PARTITIONS: '3',
      LOG_LEVEL: 'error',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...(serves ? {} : { PROBE_PORT: String(probePort) }),
      ...options.env,
    };
    services[app] = new ServiceProcess(app, env, { supervised: options.supervised, probe: `http://127.0.0.1:${probePort}/health/ready` });
  }
  const stop = async () => void (await Promise.all(Object.values(services).map((s) => s.kill())));
  try {
    services.gateway.start();
    await services.gateway.ready();
    await options.setup?.({ call, url });
    const others = Object.values(services).filter((s) => s.app !== 'gateway');
    for (const s of others) s.start();
    for (const s of others) await s.ready();
  } catch (e) {
    await stop();
    throw e;
  }
  return { namespace, services, url, call, stop };
}
