import { BusMessage, NO_HEADERS, OutgoingMessage, TopicSpec } from './bus';

/**
 * What a consuming thread and its handler threads say to each other (libs/bus HandlerThreads).
 * A batch crosses as a few arrays and one buffer of values, moved rather than copied: structured
 * cloning of one object per message would cost the consuming thread what the threads save it.
 */
export interface PackedBatch {
  topics: string[];
  partitions: number[];
  offsets: string[];
  keys: (string | null)[];
  /** Only the messages that carry headers, by index (inbound messages rarely do). */
  headers: [number, Record<string, string>][];
  values: ArrayBuffer;
  /** Where each message's value ends in `values`. */
  ends: Uint32Array;
}

/**
 * A failure as it crosses threads: its message, and what classifies it (libs/bus failureKind):
 * the SQLSTATE or system error code, the error's name, kafkajs's error type.
 */
export interface ErrorFields {
  error: string;
  errorCode?: string;
  errorName?: string;
  errorType?: string;
}

export type ToThread = { kind: 'batch'; id: number; batch: PackedBatch } | ({ kind: 'reply'; id: number } & Partial<ErrorFields>);

/** A handler thread's use of the bus (publishing, topics), done by the consuming thread. */
export type BusCall = { method: 'publishMany'; batches: { topic: string; messages: OutgoingMessage[] }[] } | { method: 'ensureTopics'; specs: TopicSpec[] };

export type FromThread = { kind: 'ready' } | { kind: 'failed'; error: string } | ({ kind: 'done'; id: number } & Partial<ErrorFields>) | ({ kind: 'call'; id: number } & BusCall);

/** Packs a batch for a handler thread; the returned buffer is to be transferred, not cloned. */
export function packBatch(messages: readonly BusMessage[]): PackedBatch {
  const ends = new Uint32Array(messages.length);
  let size = 0;
  for (let i = 0; i < messages.length; i++) ends[i] = size += messages[i].value.length;
  const values = new ArrayBuffer(size);
  const bytes = new Uint8Array(values);
  const headers: [number, Record<string, string>][] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    bytes.set(m.value, i === 0 ? 0 : ends[i - 1]);
    if (hasAny(m.headers)) headers.push([i, m.headers]);
  }
  return {
    topics: messages.map((m) => m.topic),
    partitions: messages.map((m) => m.partition),
    offsets: messages.map((m) => m.offset),
    keys: messages.map((m) => m.key),
    headers,
    values,
    ends,
  };
}

/** Whether an object has an own or inherited enumerable key, without building a key array per message. */
function hasAny(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** The batch as its handler sees it: each value a view of the one buffer. */
export function unpackBatch(b: PackedBatch): BusMessage[] {
  const messages: BusMessage[] = new Array(b.offsets.length);
  for (let i = 0; i < messages.length; i++) {
    const start = i === 0 ? 0 : b.ends[i - 1];
    messages[i] = { topic: b.topics[i], partition: b.partitions[i], offset: b.offsets[i], key: b.keys[i], value: Buffer.from(b.values, start, b.ends[i] - start), headers: NO_HEADERS };
  }
  for (const [i, h] of b.headers) messages[i].headers = h;
  return messages;
}

/** Buffers cross threads as plain Uint8Arrays: made Buffers again for the transport. */
export function asBuffers(batches: { topic: string; messages: OutgoingMessage[] }[]): { topic: string; messages: OutgoingMessage[] }[] {
  for (const b of batches) {
    for (const m of b.messages) {
      if (m.value !== null && typeof m.value !== 'string' && !Buffer.isBuffer(m.value)) {
        const u = m.value as unknown as Uint8Array;
        m.value = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
      }
    }
  }
  return batches;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function errorFields(e: unknown): ErrorFields {
  const { code, name, type } = (e ?? {}) as { code?: unknown; name?: unknown; type?: unknown };
  return {
    error: errorText(e),
    ...(typeof code === 'string' ? { errorCode: code } : {}),
    ...(typeof name === 'string' && name !== 'Error' ? { errorName: name } : {}),
    ...(typeof type === 'string' ? { errorType: type } : {}),
  };
}

/** The failure on this side of the threads, classified as it was on the other. */
export function errorFrom(f: ErrorFields): Error {
  const e = new Error(f.error) as Error & { code?: string; type?: string };
  if (f.errorName) e.name = f.errorName;
  if (f.errorCode) e.code = f.errorCode;
  if (f.errorType) e.type = f.errorType;
  return e;
}
