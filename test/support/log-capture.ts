import { Logger, LoggerService } from '@nestjs/common';

/**
 * Captures every log line of a test run, to check what reaches logs: the apps' JSON lines (pino
 * writes them to standard output), Nest's own logger and console writes. While installed, the
 * hubs a test starts log at debug level, so that every line they can write is checked.
 */
export class LogCapture implements LoggerService {
  readonly lines: string[] = [];
  private restore: (() => void)[] = [];

  private level: string | undefined;

  install(): this {
    Logger.overrideLogger(this);
    this.level = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'debug';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      this.lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
    this.restore.push(() => (process.stdout.write = write));
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const original = console[method];
      console[method] = (...args: unknown[]) => {
        this.lines.push(args.map(String).join(' '));
      };
      this.restore.push(() => (console[method] = original));
    }
    return this;
  }

  uninstall(): void {
    this.restore.forEach((r) => r());
    this.restore = [];
    if (this.level === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = this.level;
    Logger.overrideLogger(['error', 'warn']);
  }

  log(message: unknown, ...rest: unknown[]) {
    this.push('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.push('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.push('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.push('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.push('verbose', message, rest);
  }

  private push(level: string, message: unknown, rest: unknown[]) {
    this.lines.push(`${level} ${typeof message === 'string' ? message : JSON.stringify(message)} ${rest.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join(' ')}`);
  }
}
