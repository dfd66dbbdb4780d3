import { createHash, randomUUID } from 'crypto';
import { FollowUp, Topics } from '@pdp/contracts';
import { jsonMessage, MessageBus } from '@pdp/bus';
import { Database } from '@pdp/db';
import { RecordedOutcome } from '@pdp/metrics';
import { FollowUpEnd, FollowUpRow, FollowUpStore } from './follow-up.store';

export type FollowUpStatus = FollowUp['status'];

export interface FollowUpOptions {
  /** Reports of one person whose windows are this close are one case (as in the metrics). */
  gapDays: number;
  graceDays: number;
}

/** IGAS recommendation 20: the follow-up is due 6 months after the end of the accompaniment. */
const FOLLOW_UP_MONTHS = 6;

export interface FollowUpView {
  followUpId: string;
  status: FollowUpStatus;
  personPseudonym: string;
  point: FollowUp['point'];
  baseDate: string;
  dueDate: string;
  doneDate?: string;
  responsiblePartnerId: string;
  responsibleReason: FollowUp['responsibleReason'];
  reportedBy: string;
  reportId: string;
  episodeId?: string;
}

/**
 * Follow-ups (IGAS recommendation 20): when a partner reports the end of an accompaniment, a
 * follow-up becomes owed 6 months later by the case's chef de file (or, while none is known, by
 * the reporting partner). Reports of the same case close to each other share one follow-up; a
 * report at the 6- or 12-month point of the case marks it done, whichever arrives first.
 */
export class FollowUpService {
  private readonly store: FollowUpStore;

  constructor(
    private readonly db: Database,
    private readonly bus: MessageBus,
    private readonly options: FollowUpOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.store = new FollowUpStore(db);
  }

  /** Schedules and closes follow-ups for recorded outcomes (after the metrics stored them). */
  async onOutcomes(outcomes: RecordedOutcome[], episodes: Map<string, string> = new Map()): Promise<void> {
    if (outcomes.length === 0) return;
    const ends = mergeEnds(
      outcomes.filter((o) => o.followUpPoint === 'end'),
      this.options.gapDays,
    );
    const persons = [...new Set(outcomes.map((o) => o.personPseudonym))];
    const gap = this.options.gapDays;
    await this.db.transaction(async (tx) => {
      if (ends.length > 0) {
        const owed: FollowUpEnd[] = ends.map((e) => ({
          followUpId: followUpId(e.personPseudonym, e.endDate),
          personPseudonym: e.personPseudonym,
          endDate: e.endDate,
          reporterId: e.reporterId,
          departement: e.departement ?? 'unknown',
          reportId: e.reportId,
          episodeId: episodes.get(`${e.reporterId}:${e.reportId}`) ?? null,
        }));
        // A later end of the same case moves its (open) follow-up.
        await this.store.moveToLaterEnds(tx, owed, gap, FOLLOW_UP_MONTHS);
        await this.store.schedule(tx, owed, gap, FOLLOW_UP_MONTHS);
      }
      // Done: a report at the 6- or 12-month point of the same case, stored before or now.
      await this.store.closeReported(tx, persons, gap);
    });
  }

  /** The chef de file of a person's case (the signalement flow calls this); open follow-ups move to it. */
  async recordChefDeFile(personPseudonym: string, partnerId: string, reason?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.store.saveChefDeFile(tx, personPseudonym, partnerId, this.clock().toISOString(), reason ?? null);
      await this.store.assignOpenTo(tx, personPseudonym, partnerId);
    });
  }

  /** A partner's follow-ups in a status at a date (today by default), earliest due first. */
  async list(partnerId: string, status: FollowUpStatus, asOf = this.today(), limit = 500): Promise<FollowUpView[]> {
    const rows = await this.store.ofPartner(partnerId, status, asOf, this.options.graceDays, limit);
    return rows.map(toView);
  }

  /**
   * Publishes every follow-up whose status changed since it was last published (scheduled, due,
   * overdue, done) on the follow-up topic; run periodically and on demand.
   */
  async sweep(asOf = this.today()): Promise<{ published: number }> {
    // Chefs de file named since the follow-ups were scheduled take them over.
    await this.store.handOverToChefsDeFile();
    let published = 0;
    for (;;) {
      const n = await this.db.transaction(async (tx) => {
        const rows = await this.store.unpublished(tx, asOf, this.options.graceDays);
        if (rows.length === 0) return 0;
        const emittedAt = this.clock().toISOString();
        const events: FollowUp[] = rows.map((r) => toEvent(toView(r), emittedAt));
        await this.bus.publish(
          Topics.followUp,
          events.map((e) => jsonMessage(e.personPseudonym, e)),
        );
        await this.store.markPublished(tx, rows);
        return rows.length;
      });
      published += n;
      if (n === 0) return { published };
    }
  }

  private today(): string {
    return this.clock().toISOString().slice(0, 10);
  }
}

/** Ends of one person within the gap of each other are one case: its latest end stands. */
function mergeEnds(ends: RecordedOutcome[], gapDays: number): RecordedOutcome[] {
  const byPerson = new Map<string, RecordedOutcome[]>();
  for (const e of ends) byPerson.set(e.personPseudonym, [...(byPerson.get(e.personPseudonym) ?? []), e]);
  const merged: RecordedOutcome[] = [];
  const day = (d: string) => Date.parse(d) / 86_400_000;
  for (const list of byPerson.values()) {
    list.sort((a, b) => a.endDate.localeCompare(b.endDate) || a.reporterId.localeCompare(b.reporterId));
    let current = list[0];
    for (const e of list.slice(1)) {
      if (day(e.endDate) - day(current.endDate) <= gapDays) current = e;
      else {
        merged.push(current);
        current = e;
      }
    }
    merged.push(current);
  }
  return merged;
}

/** Pseudonymous, stable id: the same case's follow-up gets the same id on a replay. */
function followUpId(personPseudonym: string, baseDate: string): string {
  return createHash('sha256').update(`follow-up:${personPseudonym}:${baseDate}`).digest('base64url').slice(0, 22);
}

function toView(r: FollowUpRow): FollowUpView {
  return {
    followUpId: r.follow_up_id,
    status: r.status,
    personPseudonym: r.person_pseudonym,
    point: r.point,
    baseDate: r.base_date,
    dueDate: r.due_date,
    ...(r.done_date ? { doneDate: r.done_date } : {}),
    responsiblePartnerId: r.responsible_partner_id,
    responsibleReason: r.responsible_reason,
    reportedBy: r.reported_by,
    reportId: r.report_id,
    ...(r.episode_id ? { episodeId: r.episode_id } : {}),
  };
}

function toEvent(v: FollowUpView, emittedAt: string): FollowUp {
  return {
    schemaVersion: 'follow-up/1',
    eventId: randomUUID(),
    followUpId: v.followUpId,
    status: v.status,
    personPseudonym: v.personPseudonym,
    responsiblePartnerId: v.responsiblePartnerId,
    responsibleReason: v.responsibleReason,
    point: v.point,
    baseDate: v.baseDate,
    dueDate: v.dueDate,
    ...(v.doneDate ? { doneDate: v.doneDate } : {}),
    emittedAt,
  };
}
