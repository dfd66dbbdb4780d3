import { BatchHandler, BusMessage } from './bus';

/**
 * What a handler's failure says about its batch:
 * - `transient`: the infrastructure failed (the database or the broker unreachable, a
 *   connection lost, a deadlock, a handler thread gone). Any message would have failed; the
 *   batch is retried as it is, for as long as it takes, and nothing is dead-lettered.
 * - `data`: the database refused what a message holds (SQLSTATE class 21 cardinality, 22 data
 *   exception, 23 integrity constraint, 54 program limit, or a record the broker refuses as too
 *   large). Whoever sends it again gets the same answer.
 * - `unknown`: anything else (a bug, an error without a code). A message is blamed for one only
 *   when other messages of its batch went through meanwhile.
 */
export type FailureKind = 'transient' | 'data' | 'unknown';

const TRANSIENT_SQLSTATE_CLASSES = new Set([
  '08', // connection exception
  '40', // transaction rollback: serialization failure, deadlock
  '53', // insufficient resources: disk full, out of memory, too many connections
  '57', // operator intervention: shutdown, statement timeout, cannot connect now
  '58', // system error: I/O
]);
const DATA_SQLSTATE_CLASSES = new Set(['21', '22', '23', '54']);
const TRANSIENT_SQLSTATES = new Set(['55P03']); // lock not available
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
/** Broker refusals of what a record holds, whatever the broker's state. */
const DATA_KAFKA_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);
/** Errors with no code that say a connection or a thread is gone (pg's client and pool, PGlite, HandlerThreads). */
const TRANSIENT_MESSAGES =
  /connection terminated|connection timeout|timeout exceeded when trying to connect|connection error|not queryable|after calling end on the pool|pglite is closed|socket hang up|handler thread exited|no handler thread is running|handler threads are closed/i;

export function failureKind(e: unknown): FailureKind {
  if (e === null || typeof e !== 'object') return 'unknown';
  const { code, name, type, message } = e as { code?: unknown; name?: unknown; type?: unknown; message?: unknown };
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    if (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2))) return 'transient';
    if (DATA_SQLSTATE_CLASSES.has(code.slice(0, 2))) return 'data';
    return 'unknown';
  }
  if (typeof code === 'string' && TRANSIENT_NODE_CODES.has(code)) return 'transient';
  if (typeof type === 'string' && DATA_KAFKA_TYPES.has(type)) return 'data';
  if (typeof name === 'string' && name.startsWith('KafkaJS')) return 'transient';
  if (typeof message === 'string' && TRANSIENT_MESSAGES.test(message)) return 'transient';
  return 'unknown';
}

/** A message that failed when handled alone, and why. */
export interface PoisonMessage {
  message: BusMessage;
  error: Error;
}

/** Where a consumer group's poison messages go: the dead letters (libs/dead-letters). */
export interface PoisonSink {
  /** The dead-lettering of this group's poison messages, or undefined when it has none. */
  forGroup(groupId: string): ((poisoned: PoisonMessage[]) => Promise<void>) | undefined;
}

/** Injection token of the app's PoisonSink (provided by DeadLettersModule). */
export const POISON_SINK = Symbol('POISON_SINK');

export interface IsolationOptions {
  /** Attempts at a whole batch before it is split to find the messages that fail alone (at least 1). */
  maxAttempts: number;
  /** The wait before the second attempt, doubled before each next one. */
  backoffMs: number;
  /** Keeps the messages that failed alone (dead letters); the batch is done once it resolves. */
  poison: (poisoned: PoisonMessage[]) => Promise<void>;
  log?: (message: string) => void;
  classify?: (e: unknown) => FailureKind;
  sleep?: (ms: number) => Promise<void>;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * A batch handler that a single bad message cannot stop. The handler handles a batch or throws;
 * idempotent, it may be given the same messages again. A batch that fails for a reason other
 * than the infrastructure is tried `maxAttempts` times in all, waiting `backoffMs`, then twice
 * that…; if it still fails it is split in halves, and halves again, each handled on its own, so
 * that every message that can be handled is, and the ones that fail alone are found. Those go to
 * `poison` (the dead letters, with the error as reason) and the batch is done: its offsets are
 * committed, the messages behind it flow.
 *
 * Infrastructure failures (failureKind `transient`) never split a batch nor dead-letter a
 * message: they are thrown at once, and the transport retries the batch as before (the
 * BatchPipeline after its delay, the in-process bus after its own). A message that fails alone
 * for an `unknown` reason is dead-lettered only if other messages of its batch were handled
 * meanwhile; when nothing of the batch can be handled, the fault is not the messages', and the
 * batch is thrown back to be retried (a later delivery, with more messages, decides).
 */
export function isolatingHandler(handle: BatchHandler, o: IsolationOptions): BatchHandler {
  const classify = o.classify ?? failureKind;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = o.log ?? (() => undefined);
  const attempts = Math.max(1, o.maxAttempts);
  return async (batch: BusMessage[]) => {
    let error: unknown;
    for (let attempt = 1; ; attempt++) {
      try {
        await handle(batch);
        return;
      } catch (e) {
        error = e;
      }
      if (classify(error) === 'transient' || batch.length === 0) throw error;
      if (attempt >= attempts) break;
      await sleep(o.backoffMs * 2 ** (attempt - 1));
    }

    const where = `${batch[0].topic}[${batch[0].partition}] batch at ${batch[0].offset} (${batch.length} message(s))`;
    log(`${where} failed ${attempts} time(s) (${asError(error).message}); handling its parts apart to find the messages that fail alone`);
    const poisoned: PoisonMessage[] = [];
    let handled = 0;
    const split = async (part: BusMessage[], partError: unknown): Promise<void> => {
      if (part.length === 1) {
        poisoned.push({ message: part[0], error: asError(partError) });
        return;
      }
      const middle = Math.ceil(part.length / 2);
      for (const half of [part.slice(0, middle), part.slice(middle)]) {
        try {
          await handle(half);
          handled += half.length;
        } catch (e) {
          if (classify(e) === 'transient') throw e;
          await split(half, e);
        }
      }
    };
    await split(batch, error);

    if (poisoned.length === 0) {
      // Every part went through on its own: the messages clashed only together.
      log(`${where}: every part handled apart`);
      return;
    }
    if (handled === 0 && !poisoned.every((p) => classify(p.error) === 'data')) {
      throw new Error(`${asError(error).message} (no message of the batch could be handled, so none is dead-lettered; the batch is retried)`);
    }
    await o.poison(poisoned);
    log(`${where}: ${handled} message(s) handled, ${poisoned.length} dead-lettered (offsets ${poisoned.map((p) => p.message.offset).join(', ')})`);
  };
}
