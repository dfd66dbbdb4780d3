/** A message as consumed, whatever the transport. */
export interface BusMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

/** The headers of a consumed message that has none (most inbound ones): one shared, frozen object. */
export const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * A message to publish. Keys never hold a person identifier (pseudonyms only). A null value is
 * a tombstone: "forget this key" (an erased person's key on the topics keyed by her pseudonym).
 */
export interface OutgoingMessage {
  key: string;
  value: Buffer | string | null;
  headers?: Record<string, string>;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** The topic's retention.ms when the hub creates it (the broker's default otherwise). */
  retentionMs?: number;
}

/**
 * Handles a batch of messages from one topic partition. It must deal with bad messages itself
 * (dead-letter them); throwing means "infrastructure failure, retry the batch".
 */
export type BatchHandler = (messages: BusMessage[]) => Promise<void>;

export interface Subscription {
  groupId: string;
  topics: string[];
  handle: BatchHandler;
}

/** The hub's port to its message transport: Kafka in production, in-process when embedded. */
export interface MessageBus {
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /** Several topics in as few requests as the transport allows (e.g. one per partner inbox). */
  publishMany(batches: { topic: string; messages: OutgoingMessage[] }[]): Promise<void>;
  subscribe(subscription: Subscription): Promise<void>;
  close(): Promise<void>;
}

export function jsonMessage(key: string, value: unknown, headers?: Record<string, string>): OutgoingMessage {
  return { key, value: JSON.stringify(value), headers };
}
