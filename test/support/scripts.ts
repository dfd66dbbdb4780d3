import { execFile } from 'node:child_process';
import { createServer } from 'node:net';

/** Runs one of deploy/'s bash scripts; fails with its output when it exits non-zero. */
export function runScript(script: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile('bash', [script, ...args], { cwd, env, timeout: timeoutMs, maxBuffer: 10 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const detail = [String(stderr).trim(), String(stdout).trim()].filter(Boolean).join('\n');
        reject(new Error(`${script} ${args.join(' ')} failed: ${error.message}\n${detail}`));
      } else {
        resolvePromise({ stdout: String(stdout), stderr: String(stderr) });
      }
    });
  });
}

/** A port the OS considers free right now (a tiny race until the server binds it: callers retry). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePromise(port) : reject(new Error('could not get a free port'))));
    });
  });
}
