import { Logger } from '@nestjs/common';

/**
 * Background work done every `everyMs` (retries, the push outbox): one tick at a time, a slow
 * one never overlapped by the next; in a tick, rounds in a row while `round` says there may be
 * more (at most `maxRounds`, so a backlog does not hold the tick for ever); a failed round is
 * logged, and the next tick tries again.
 */
export class RepeatingTask {
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    name: string,
    private readonly everyMs: number,
    private readonly round: () => Promise<boolean>,
    private readonly maxRounds = 10,
  ) {
    this.logger = new Logger(name);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let i = 0; i < this.maxRounds; i++) if (!(await this.round())) break;
    } catch (e) {
      this.logger.warn(`round failed: ${(e as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
