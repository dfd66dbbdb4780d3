import { Logger, LoggerService } from '@nestjs/common';

/** Captures every Nest log line and console write of a test run, to check what reaches logs. */
export class LogCapture implements LoggerService {
  readonly lines: string[] = [];
  private restore: (() => void)[] = [];

  install(): this {
    Logger.overrideLogger(this);
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
