import { Database } from '@pdp/db';
import { DeadLetterStore } from '@pdp/dead-letters';
import { InboxStore, ParkedCaseStore } from '@pdp/inbox';
import { EpisodeStore, MessageEpisode } from './episode.store';

export type MessageStatus = 'dead-lettered' | 'not-eligible' | 'parked' | 'delivered' | 'in-progress' | 'unknown';

export interface MessageTrace {
  messageId: string;
  status: MessageStatus;
  reason?: string;
  deadLetterIds?: string[];
  deliveredTo?: { partnerId: string; itemId: string; version: number }[];
  /** A re-sent copy of a leave already received: the message id of the one that counted. */
  duplicateOf?: string;
}

/** Where an accepted message ended: every one is delivered, dead-lettered, parked or not eligible. */
export class MessageTracker {
  private readonly deadLetterStore: DeadLetterStore;
  private readonly episodes: EpisodeStore;
  private readonly inbox: InboxStore;
  private readonly parkedCases: ParkedCaseStore;

  constructor(db: Database) {
    this.deadLetterStore = new DeadLetterStore(db);
    this.episodes = new EpisodeStore(db);
    this.inbox = new InboxStore(db);
    this.parkedCases = new ParkedCaseStore(db);
  }

  async trace(messageId: string): Promise<MessageTrace> {
    const dead = await this.deadLetterStore.ofMessage(messageId);
    // The message, and the one that counted when it is a re-sent copy of a leave.
    const e = await this.episodes.ofMessage(messageId);
    if (e?.duplicateOf) return { ...(await this.traceEpisode(messageId, e)), duplicateOf: e.duplicateOf };
    if (!e) {
      if (dead.length) return { messageId, status: 'dead-lettered', reason: dead[0].reason, deadLetterIds: dead.map((d) => d.deadLetterId) };
      return { messageId, status: 'unknown' };
    }
    return this.traceEpisode(messageId, e);
  }

  private async traceEpisode(messageId: string, e: MessageEpisode): Promise<MessageTrace> {
    if (!e.eligible) return { messageId, status: 'not-eligible', reason: e.reason };
    const deliveredTo = await this.inbox.ofEpisode(e.episodeId);
    if (deliveredTo.length) return { messageId, status: 'delivered', deliveredTo };
    // A sick-leave case is parked under its episode id (the primary key).
    const parkedReason = await this.parkedCases.reasonParked(e.episodeId);
    if (parkedReason !== undefined) return { messageId, status: 'parked', reason: parkedReason };
    return { messageId, status: 'in-progress' };
  }
}
