import { ChildProcess, execFile, spawn } from 'node:child_process';
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
