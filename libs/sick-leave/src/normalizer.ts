import { CaseEvent, ContractIds, ContractRegistry, EmployerLeaveDeclaration, SickLeaveNotification, Topics, Violation } from '@pdp/contracts';
import { BusMessage, MessageBus } from '@pdp/bus';
import { Database, Sql } from '@pdp/db';
import { BatchPseudonyms, checkLeave, decideEligibility, EpisodeSummary, Pseudonymizer, summarizeEpisode } from '@pdp/domain';
import { IdentityVault, SealedIdentity } from '@pdp/identity';
import { DeadLetterSink, parseJson, readMessageId, Rejection, rejectionOf } from '@pdp/dead-letters';
import { asEpisodeNotification, assembleCaseEvent, StoredNotification } from './episode-rows';
import { EpisodeStore, InsurerFields, MessageRow, NewEpisode } from './episode.store';

export interface NormalizerDeps {
  db: Database;
  bus: MessageBus;
  contracts: ContractRegistry;
  pseudonymizer: Pseudonymizer;
  deadLetters: DeadLetterSink;
  /** The next stage (CaseRouter), called in-process: no Kafka hop between the two. */
  router: { route(events: CaseEvent[], tx: Sql, newEpisodes?: ReadonlySet<string>): Promise<void> };
  transitionalPhase: boolean;
  clock?: () => Date;
  /** Where the worker's identity is kept, sealed, for the recipients entitled to it. */
  identities: IdentityVault;
}

/**
 * An inbound leave after validation, reduced to what the hub keeps (no NIR, no names). Lives as
 * long as its batch (seconds, with six batches sharing the thread), so every object it holds is
 * copied twice by the young-generation collector: its notification is kept in the shape its
 * episode's history stores, and goes into the history as is (docs/performance.md).
 */
interface AcceptedLeave {
  source: CaseEvent['source'];
  /** k: the pseudonymised notification key, m: the message id. */
  stored: StoredNotification;
  /** The episode it goes to: its own, or the one its leave joined (loadEpisodes). */
  episodeId: string;
  /** The episode its leave ids name (the insurer's leave, or the employer's person, establishment and start). */
  readonly ownEpisodeId: string;
  personPseudonym: string;
  employerSiret: string;
  nature: CaseEvent['nature'];
  issuingCpam?: string;
  workerDepartement?: string;
  /** The identity received, sealed at acceptance (the message itself is not held). */
  identity: SealedIdentity;
}

/**
 * validate → check identifiers and dates → pseudonymise → merge into the episode → decide
 * eligibility → publish the canonical case event. Bad messages are dead-lettered.
 */
export class LeaveNormalizer {
  private readonly sickLeave;
  private readonly employerLeave;
  private readonly clock: () => Date;
  private readonly episodes: EpisodeStore;
  /** Messages found to name another person than their episode, refused when read again. */
  private readonly foreignMessages = new BoundedSet(FOREIGN_MEMORY);

  constructor(private readonly deps: NormalizerDeps) {
    this.episodes = new EpisodeStore(deps.db);
    this.sickLeave = deps.contracts.contract<SickLeaveNotification>(ContractIds.sickLeaveNotification);
    this.employerLeave = deps.contracts.contract<EmployerLeaveDeclaration>(ContractIds.employerLeaveDeclaration);
    this.clock = deps.clock ?? (() => new Date());
  }

  handleBatch(messages: BusMessage[]): Promise<void> {
    // Not async: once read, the messages (and the batch's pseudonym memo) are no longer held
    // by this call while the batch waits on the database, so they die young (docs/performance.md).
    let read: { accepted: AcceptedLeave[]; rejections: Rejection[] };
    try {
      read = this.acceptAll(messages);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.mergeAndReject(read.accepted, read.rejections);
  }

  private acceptAll(messages: BusMessage[]): { accepted: AcceptedLeave[]; rejections: Rejection[] } {
    const rejections: Rejection[] = [];
    const accepted: AcceptedLeave[] = [];
    const today = this.clock().toISOString().slice(0, 10);
    const pseudonyms = new BatchPseudonyms(this.deps.pseudonymizer);
    for (const m of messages) {
      const a = this.accept(m, today, pseudonyms);
      if ('reason' in a) rejections.push(a);
      else accepted.push(a);
    }
    return { accepted, rejections };
  }

  private async mergeAndReject(accepted: AcceptedLeave[], rejections: Rejection[]): Promise<void> {
    if (accepted.length) await this.mergeAndRoute(accepted);
    await this.deps.deadLetters.reject(rejections);
  }

  private accept(m: BusMessage, today: string, p: BatchPseudonyms): AcceptedLeave | Rejection {
    const reject = (reason: string, errors: Violation[], messageId?: string) => rejectionOf(m, 'normalizer', reason, errors, messageId);
    const parsed = parseJson(m.value);
    if (!parsed.ok) return reject('message is not JSON', [{ path: '/', message: parsed.error }]);
    const messageId = readMessageId(parsed.value);
    if (m.topic === Topics.sickLeaveInbound) {
      const r = this.sickLeave.validate(parsed.value);
      if (!r.ok) return reject('does not match sick-leave-notification/1', r.violations, messageId);
      const domain = checkLeave(r.value, today);
      if (domain.length) return reject('identifiers or dates are invalid', domain, messageId);
      if (this.foreignMessages.has(r.value.messageId))
        return reject('names another person than the episode it continues', [{ path: '/worker', message: `is not the worker of leave ${r.value.initialLeaveId ?? r.value.leaveId}` }], messageId);
      return this.fromSickLeave(r.value, p);
    }
    if (m.topic === Topics.employerLeaveInbound) {
      const r = this.employerLeave.validate(parsed.value);
      if (!r.ok) return reject('does not match employer-leave-declaration/1', r.violations, messageId);
      const domain = checkLeave(r.value, today);
      if (domain.length) return reject('identifiers or dates are invalid', domain, messageId);
      return this.fromEmployer(r.value, p);
    }
    return reject(`no contract for topic ${m.topic}`, [], messageId);
  }

  private fromSickLeave(n: SickLeaveNotification, p: BatchPseudonyms): AcceptedLeave {
    const matricule = n.worker.nir ?? n.worker.ins!.value;
    const person = p.person(matricule);
    return {
      source: 'assurance-maladie',
      // Each leave id is met once per batch but for re-sent copies: computed, not memoised.
      stored: storedNotification(this.deps.pseudonymizer.id('leave', n.leaveId), n.messageId, n.kind, n.startDate, n.expectedEndDate, n.pdpRisk, n.consent?.granted),
      ...episodeIds(p.id('episode', n.initialLeaveId ?? n.leaveId)),
      personPseudonym: person,
      employerSiret: n.employer.siret,
      nature: n.nature,
      issuingCpam: n.issuingCpam.code,
      workerDepartement: n.worker.departement,
      identity: this.deps.identities.seal(person, n.worker),
    };
  }

  private fromEmployer(d: EmployerLeaveDeclaration, p: BatchPseudonyms): AcceptedLeave {
    const person = p.person(d.worker.nir ?? d.worker.ins!.value);
    return {
      source: 'employer',
      stored: storedNotification(this.deps.pseudonymizer.id('employer-declaration', d.messageId), d.messageId, 'employer-declaration', d.startDate, d.expectedEndDate, false),
      // The employer has no leave id: one episode per person, establishment and start date.
      ...episodeIds(p.id('employer-episode', `${person}|${d.employer.siret}|${d.startDate}`)),
      personPseudonym: person,
      employerSiret: d.employer.siret,
      nature: d.nature ?? 'maladie',
      workerDepartement: d.worker.departement,
      identity: this.deps.identities.seal(person, d.worker),
    };
  }

  /**
   * Records the batch's notifications (each once per episode), recomputes their episodes and
   * routes them, in one transaction and a fixed number of statements whatever the batch size.
   * An episode's notifications are kept in its row (migration 007): the row is rewritten anyway,
   * and a separate log cost each notification three random-key index entries. Routing is
   * in-process: a Kafka hop per case would double the broker's and the apps' work (docs/performance.md).
   * Replays give the same events, and routing them again changes nothing.
   *
   * Rows known to be new are inserted without `ON CONFLICT`, which costs each row an index probe
   * before its insert: under the episode locks, a notification absent from its episode's history
   * has no message row, and an episode not found has no row (nor inbox item: the router inserts
   * those of new episodes the same way). Should a row exist all the same (data older than the
   * history, an episode erased but not its item), the batch runs again with every insert probing.
   */
  private async mergeAndRoute(batch: AcceptedLeave[]): Promise<void> {
    try {
      await this.merge(batch, false);
    } catch (e) {
      if (e instanceof ForeignEpisodeMessages) {
        // Learnt once, refused on the batch's redelivery, where its bytes are at hand for the dead letter.
        for (const id of e.messageIds) this.foreignMessages.add(id);
        throw e;
      }
      if ((e as { code?: string }).code !== UNIQUE_VIOLATION) throw e;
      await this.merge(batch, true);
    }
  }

  private merge(batch: AcceptedLeave[], probeAll: boolean): Promise<void> {
    // A run after a unique violation starts again from each message's own episode.
    for (const a of batch) a.episodeId = a.ownEpisodeId;
    return this.deps.db.transaction(async (tx) => {
      // Serialise with other batches touching the same episodes (they may come from other
      // partitions) or the same persons (the other source's report of a leave may join one of
      // their episodes); locks taken in a fixed order so two batches cannot deadlock.
      await this.episodes.lock(tx, [...new Set(batch.map((a) => a.episodeId))], [...new Set(batch.map((a) => a.personPseudonym))]);
      const held = await this.deps.identities.save(
        tx,
        batch.map((a) => ({ person: a.personPseudonym, sealed: a.identity })),
      );
      const { histories, found, aliases } = await this.loadEpisodes(tx, batch, held);
      const foreign = foreignMessages(batch, found);
      if (foreign.length) throw new ForeignEpisodeMessages(foreign);
      const { fresh, copies } = recordNotifications(batch, histories);
      await this.episodes.insertFresh(tx, fresh, probeAll);
      await this.episodes.insertCopies(tx, copies);
      await this.episodes.insertAliases(tx, aliases);
      // The last message of the batch for an episode gives its descriptive fields.
      const latest = new Map(batch.map((a) => [a.episodeId, a]));
      const now = this.clock().toISOString();
      const summaries = [...histories].map(([id, history]) => ({ id, history, summary: summarizeEpisode(history.map(asEpisodeNotification)) }));
      const insurer = await this.insurerFieldsFor(
        tx,
        summaries.filter((e) => e.summary.sources[0] !== latest.get(e.id)!.source).map((e) => e.id),
        batch,
      );
      const episodes = summaries.map(({ id, history, summary }) => {
        const event = this.toEvent(latest.get(id)!, summary, now, insurer.get(id));
        return { event, history, known: found.has(id) };
      });
      await this.episodes.insertNew(
        tx,
        episodes.filter((e) => !e.known),
      );
      await this.episodes.updateStored(
        tx,
        episodes.filter((e) => e.known),
      );
      // Episodes the database did not have cannot have an inbox item yet: the router inserts
      // theirs without probing (unless this is the run after a unique violation).
      const newEpisodes = probeAll ? undefined : new Set(episodes.filter((e) => !e.known).map((e) => e.event.episodeId));
      await this.deps.router.route(
        episodes.map((e) => e.event),
        tx,
        newEpisodes,
      );
    });
  }

  /**
   * The histories of the batch's episodes. A message whose episode is not stored goes to the one
   * its episode id is an alias of, or to a stored episode of the other source about the same
   * leave, which keeps its id (partners hold it); its own id then becomes an alias, returned to
   * be recorded (docs/domain.md, "One leave, two sources"). Re-points the messages concerned.
   */
  private async loadEpisodes(
    tx: Sql,
    batch: AcceptedLeave[],
    knownPersons: ReadonlySet<string>,
  ): Promise<{ histories: Map<string, StoredNotification[]>; found: Map<string, string>; aliases: { aliasId: string; episodeId: string; person: string }[] }> {
    const { histories, found } = await this.episodes.loadHistories(tx, [...new Set(batch.map((a) => a.episodeId))]);
    const missing = [...histories.keys()].filter((id) => !found.has(id));
    // A person new to the hub (no identity held) has no episode to join: most new leaves are hers.
    const probes = newEpisodes(batch, missing, knownPersons);
    const joined = await this.episodes.sameLeave(tx, probes);
    if (joined.size === 0) return { histories, found, aliases: [] };
    const targets = await this.episodes.loadHistories(
      tx,
      [...new Set([...joined.values()].map((j) => j.episodeId))].filter((id) => !found.has(id)),
    );
    const aliases: { aliasId: string; episodeId: string; person: string }[] = [];
    const into = new Map<string, string>();
    const claimed = new Set<string>();
    for (const e of probes) {
      const j = joined.get(e.episodeId);
      if (!j || !(found.has(j.episodeId) || targets.found.has(j.episodeId))) continue;
      // Two leaves of the insurer in one batch matching one declaration: the first joins it, as
      // it would in two batches (an episode with a leave of the insurer takes no other).
      if (!j.aliased && e.source === 'assurance-maladie') {
        if (claimed.has(j.episodeId)) continue;
        claimed.add(j.episodeId);
      }
      into.set(e.episodeId, j.episodeId);
      histories.delete(e.episodeId);
      if (!found.has(j.episodeId)) {
        histories.set(j.episodeId, targets.histories.get(j.episodeId)!);
        found.set(j.episodeId, targets.found.get(j.episodeId)!);
      }
      if (!j.aliased) aliases.push({ aliasId: e.episodeId, episodeId: j.episodeId, person: e.person });
    }
    for (const a of batch) a.episodeId = into.get(a.episodeId) ?? a.episodeId;
    return { histories, found, aliases };
  }

  /**
   * The insurer's descriptive fields for episodes the insurer reported but whose latest message in
   * the batch is the employer's declaration: from the batch's last message of the insurer, or the
   * stored episode.
   */
  private async insurerFieldsFor(tx: Sql, episodeIds: string[], batch: AcceptedLeave[]): Promise<Map<string, InsurerFields>> {
    if (episodeIds.length === 0) return new Map();
    const fields = new Map<string, InsurerFields>();
    const wanted = new Set(episodeIds);
    for (const a of batch) {
      if (a.source === 'assurance-maladie' && wanted.has(a.episodeId))
        fields.set(a.episodeId, { issuingCpam: a.issuingCpam ?? null, nature: a.nature, workerDepartement: a.workerDepartement ?? null });
    }
    const stored = await this.episodes.insurerFields(
      tx,
      episodeIds.filter((id) => !fields.has(id)),
    );
    for (const [id, f] of stored) fields.set(id, f);
    return fields;
  }

  private toEvent(a: AcceptedLeave, summary: EpisodeSummary, now: string, insurer?: InsurerFields): CaseEvent {
    const eligibility = decideEligibility(summary, summary.sources, this.deps.transitionalPhase);
    return assembleCaseEvent(
      {
        episodeId: a.episodeId,
        personPseudonym: a.personPseudonym,
        // The insurer's when it reported the leave (its descriptive fields with it).
        source: summary.sources[0],
        sourceMessageId: a.stored.m,
        issuingCpam: insurer ? insurer.issuingCpam : a.issuingCpam,
        employerSiret: a.employerSiret,
        workerDepartement: insurer ? (insurer.workerDepartement ?? a.workerDepartement) : a.workerDepartement,
        nature: insurer ? (insurer.nature ?? a.nature) : a.nature,
        eligible: eligibility.eligible,
        eligibilityReason: eligibility.reason,
        legalBasis: eligibility.legalBasis,
        normalizedAt: now,
      },
      summary,
    );
  }
}

function episodeIds(own: string): Pick<AcceptedLeave, 'episodeId' | 'ownEpisodeId'> {
  return { episodeId: own, ownEpisodeId: own };
}

/**
 * The episodes a batch would create for persons the hub already held, with the dates its messages
 * give each, for the same-leave match (the others are not even built: most of a batch).
 */
function newEpisodes(batch: AcceptedLeave[], ids: string[], persons: ReadonlySet<string>): NewEpisode[] {
  if (ids.length === 0 || persons.size === 0) return [];
  const wanted = new Set(ids);
  const byId = new Map<string, NewEpisode>();
  for (const a of batch) {
    if (!persons.has(a.personPseudonym) || !wanted.has(a.episodeId)) continue;
    const e = byId.get(a.episodeId);
    if (!e) byId.set(a.episodeId, { episodeId: a.episodeId, person: a.personPseudonym, siret: a.employerSiret, source: a.source, startDate: a.stored.s, endDate: a.stored.d });
    else {
      if (a.stored.s < e.startDate) e.startDate = a.stored.s;
      if (a.stored.d > e.endDate) e.endDate = a.stored.d;
    }
  }
  return [...byId.values()];
}

const UNIQUE_VIOLATION = '23505';

/**
 * The messages of a batch that name another person than the episode they continue (a
 * prolongation or a correction pointing at someone else's leave): the episode's person is the
 * stored one, or for a new episode that of its first message in the batch. Such a message would
 * re-point the episode, and its delivery, to another worker.
 */
function foreignMessages(batch: AcceptedLeave[], stored: Map<string, string>): string[] {
  const persons = new Map(stored);
  const foreign: string[] = [];
  for (const a of batch) {
    const person = persons.get(a.episodeId);
    if (person === undefined) persons.set(a.episodeId, a.personPseudonym);
    else if (person !== a.personPseudonym) foreign.push(a.stored.m);
  }
  return foreign;
}

/**
 * Thrown before the batch commits (its transaction rolls back), so that the batch is read again: the
 * normalizer then refuses those messages at acceptance, with their original bytes in the dead
 * letter. (The accepted form of a message keeps no bytes: a batch's messages are let go once read.)
 */
class ForeignEpisodeMessages extends Error {
  constructor(readonly messageIds: string[]) {
    super(`${messageIds.length} message(s) name another person than their episode`);
  }
}

/** Bounded: a rare event, and a message refused once is dead-lettered on the next reading. */
const FOREIGN_MEMORY = 10_000;

/**
 * Adds the batch's new notifications to their episodes' histories, in arrival order, and returns
 * what to write: `fresh`, the leaves whose notification is new (their message rows cannot
 * exist), and `copies`, the rows of re-sent copies of a notification already counted (in an
 * earlier batch or earlier in this one), which name the message that counted and may have been
 * seen before. A message that is itself the one counted (a redelivered batch) has its row already.
 */
function recordNotifications(batch: AcceptedLeave[], histories: Map<string, StoredNotification[]>): { fresh: AcceptedLeave[]; copies: MessageRow[] } {
  const fresh: AcceptedLeave[] = [];
  const copies: MessageRow[] = [];
  for (const a of batch) {
    const history = histories.get(a.episodeId)!;
    const counted = history.find((n) => n.k === a.stored.k);
    if (!counted) {
      history.push(a.stored);
      fresh.push(a);
    } else if (counted.m !== a.stored.m) {
      copies.push({ m: a.stored.m, k: a.stored.k, e: a.episodeId, x: counted.m });
    }
  }
  return { fresh, copies };
}

function storedNotification(k: string, m: string, t: StoredNotification['t'], s: string, d: string, r: boolean, c?: boolean): StoredNotification {
  // `c` only when the notification says something of consent (the history's JSON omits it otherwise).
  return c === undefined ? { k, m, t, s, d, r } : { k, m, t, s, d, r, c };
}

/** A set that forgets its oldest entries past a size. */
class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly max: number) {}

  add(item: string): void {
    this.items.add(item);
    if (this.items.size > this.max) this.items.delete(this.items.values().next().value!);
  }

  has(item: string): boolean {
    return this.items.has(item);
  }
}
