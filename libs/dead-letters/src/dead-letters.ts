import { createHash, randomUUID } from 'crypto';
import { Logger } from '@nestjs/common';
import { DeadLetter, Topics, Violation } from '@pdp/contracts';
import { BusMessage, ConsumerGroups, jsonMessage, MessageBus, PoisonMessage, PoisonSink } from '@pdp/bus';
import { Sql } from '@pdp/db';
import { IdentityKeyring } from '@pdp/identity';
import { hubMetrics } from '@pdp/observability';
import { DeadLetterStore } from './dead-letter.store';

export type Stage = DeadLetter['stage'];

export interface Rejection {
  stage: Stage;
  sourceTopic: string;
  sourcePartition?: number;
  sourceOffset?: string;
  /** The consumed record's key, kept (not published) so that a replay lands on the same partition. */
  sourceKey?: string | null;
  messageId?: string;
  reason: string;
  errors: Violation[];
  original: Buffer;
}

/**
 * Dead-letter sink: every rejected message is kept (table) and published (topic) with its
 * reason, stage and original bytes. Keyed by the dead-letter id, never by a person identifier.
 * The bytes may hold a NIR: they are sealed with the identity keyring (bound to the dead-letter
 * id) in the table and on the topic alike; ops see them masked, the admins alone in clear.
 */
export class DeadLetterSink {
  private readonly logger = new Logger('DeadLetters');
  private readonly store: DeadLetterStore;

  constructor(
    db: Sql,
    private readonly bus: MessageBus,
    private readonly keyring: IdentityKeyring,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.store = new DeadLetterStore(db);
  }

  async reject(rejections: Rejection[]): Promise<DeadLetter[]> {
    if (rejections.length === 0) return [];
    const records: DeadLetter[] = rejections.map((r) => {
      const id = deadLetterId(r);
      const sealed = this.keyring.sealBytes(id, r.original);
      return {
        schemaVersion: 'dead-letter/2',
        deadLetterId: id,
        stage: r.stage,
        sourceTopic: r.sourceTopic,
        ...(r.sourcePartition !== undefined ? { sourcePartition: r.sourcePartition } : {}),
        ...(r.sourceOffset !== undefined ? { sourceOffset: r.sourceOffset } : {}),
        ...(r.messageId ? { messageId: r.messageId } : {}),
        reason: r.reason,
        errors: boundedViolations(r.errors),
        original: { keyId: sealed.keyId, sealedBase64: sealed.sealed.toString('base64') },
        rejectedAt: this.clock().toISOString(),
      };
    });
    await this.store.insert(records.map((d, i) => ({ ...d, sourceKey: rejections[i].sourceKey ?? null, senderRef: senderRefOf(rejections[i].original) })));
    await this.bus.publish(
      Topics.deadLetter,
      records.map((d) => jsonMessage(d.deadLetterId, d)),
    );
    for (const d of records) hubMetrics.deadLettered.inc({ stage: d.stage, topic: d.sourceTopic });
    // One line per batch with the reasons and where, never the payload.
    const reasons = [...new Set(records.map((d) => d.reason))].join('; ');
    this.logger.warn(`dead-lettered ${records.length} message(s) from ${records[0].sourceTopic} at ${records[0].stage}: ${reasons}`);
    return records;
  }
}

/**
 * A message consumed from the bus keeps one dead-letter id however often its batch is
 * redelivered (topic, partition, offset); an HTTP rejection gets a random one.
 */
function deadLetterId(r: Rejection): string {
  if (r.sourcePartition === undefined || r.sourceOffset === undefined) return randomUUID();
  // The bytes are part of the id: an in-process bus restarted over a kept database reuses offsets.
  return 'dl_' + createHash('sha256').update(`${r.stage}|${r.sourceTopic}|${r.sourcePartition}|${r.sourceOffset}|`).update(r.original).digest('base64url').slice(0, 24);
}

/** A dead letter lists its first hundred violations and counts the others (a file of bad lines stays a small record). */
const MAX_VIOLATIONS = 100;

function boundedViolations(errors: Violation[]): Violation[] {
  if (errors.length <= MAX_VIOLATIONS) return errors;
  return [...errors.slice(0, MAX_VIOLATIONS), { path: '', message: `… and ${errors.length - MAX_VIOLATIONS} more` }];
}

/** The stage each consumer group dead-letters at. */
const STAGE_OF_GROUP: Record<string, Stage> = {
  [ConsumerGroups.normalizer]: 'normalizer',
  [ConsumerGroups.router]: 'router',
  [ConsumerGroups.metrics]: 'metrics',
  [ConsumerGroups.signalements]: 'coordinator',
};

/** An error's message as a dead letter's reason: one line of text the database can store, cut to size. */
function reasonOf(e: Error): string {
  // eslint-disable-next-line no-control-regex
  const text = (e.message || e.name || 'failed').replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/**
 * The dead letters of the messages a consumer group's batches isolate (libs/bus
 * isolatingHandler): each with the consumer's stage, the error it failed with alone as reason,
 * and its SQLSTATE when the database gave one.
 */
export function poisonSink(sink: DeadLetterSink): PoisonSink {
  return {
    forGroup(groupId) {
      const stage = STAGE_OF_GROUP[groupId];
      if (!stage) return undefined;
      return async (poisoned: PoisonMessage[]) => {
        await sink.reject(
          poisoned.map(({ message, error }) => {
            const parsed = parseJson(message.value);
            const code = (error as { code?: unknown }).code;
            const errors = typeof code === 'string' && code ? [{ path: '/', message: `failed alone at the ${stage}, error code ${code}` }] : [{ path: '/', message: `failed alone at the ${stage}` }];
            return rejectionOf(message, stage, reasonOf(error), errors, parsed.ok ? readMessageId(parsed.value) : undefined);
          }),
        );
      };
    },
  };
}

const ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Best-effort read, from bytes that failed, of who sent them and under which of its own ids
 * ("spsti-a:sig-42"): a signalement, an accompaniment report or an outcome report names both.
 * The sealed bytes cannot be searched; this is how a sender's status request finds its dead
 * letter. Sender-chosen ids only, never a person's.
 */
export function senderRefOf(bytes: Buffer): string | null {
  const parsed = parseJson(bytes);
  if (!parsed.ok || !parsed.value || typeof parsed.value !== 'object') return null;
  const v = parsed.value as { sender?: { partnerId?: unknown }; reporter?: { partnerId?: unknown }; signalementId?: unknown; reportId?: unknown };
  const sender = v.sender?.partnerId ?? v.reporter?.partnerId;
  const id = v.signalementId ?? v.reportId;
  return typeof sender === 'string' && typeof id === 'string' && ID.test(sender) && ID.test(id) ? `${sender}:${id}` : null;
}

/** Best-effort read of the sender's messageId from bytes that failed validation. */
export function readMessageId(parsed: unknown): string | undefined {
  if (parsed && typeof parsed === 'object' && typeof (parsed as { messageId?: unknown }).messageId === 'string') {
    const id = (parsed as { messageId: string }).messageId;
    return /^[A-Za-z0-9._:-]{1,64}$/.test(id) ? id : undefined;
  }
  return undefined;
}

export function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8')) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** A message consumed from the bus turned into a rejection at a stage: where it came from, why, and its bytes. */
export function rejectionOf(m: BusMessage, stage: Stage, reason: string, errors: Violation[], messageId?: string): Rejection {
  return { stage, sourceTopic: m.topic, sourcePartition: m.partition, sourceOffset: m.offset, sourceKey: m.key, messageId, reason, errors, original: m.value };
}
