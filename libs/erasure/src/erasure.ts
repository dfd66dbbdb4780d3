import { randomUUID } from 'node:crypto';
import { AuditTrail } from '@pdp/audit';
import { MessageBus, OutgoingMessage } from '@pdp/bus';
import { inboxTopic, Topics } from '@pdp/contracts';
import { eraseConsents } from '@pdp/consent';
import { Database } from '@pdp/db';
import { DeadLetterStore, originalOf } from '@pdp/dead-letters';
import { Pseudonymizer } from '@pdp/domain';
import { IdentityKeyring, IdentityVault } from '@pdp/identity';
import { unlinkFromMetrics } from '@pdp/metrics';
import { hubMetrics } from '@pdp/observability';
import { unlinkFollowUps } from '@pdp/outcomes';
import { eraseSickLeaves } from '@pdp/sick-leave';
import { eraseCoordination } from '@pdp/signalements';
import { erasePushEvents, itemsOfPerson, pushErased } from '@pdp/push';

/** What an erasure removed, unlinked and told the partners. Counts only: nothing in it names the person. */
export interface ErasureSummary {
  removed: {
    identity: number;
    episodes: number;
    messageTraces: number;
    parkedCases: number;
    inboxItems: number;
    referrals: number;
    accompanimentReports: number;
    decisions: number;
    caseLeads: number;
    consents: number;
    followUpLeads: number;
    deadLetters: number;
    pushEvents: number;
  };
  unlinked: { outcomePersons: number; orientations: number; followUps: number };
  tombstones: number;
}

export interface Erasure {
  erasureId: string;
  /** request: the person asked; retention: her data outlived RETENTION_PERSON_DAYS. */
  kind: 'request' | 'retention';
  erasedAt: string;
  actor: string;
  reason: string;
  summary: ErasureSummary;
}

/**
 * A person's erasure (docs/architecture.md, "Personal data"), at her request by her NIR or INS,
 * or when her data's retention is over: her
 * identity and every person-level row go, in one transaction, in every flow; the facts the
 * published figures count stay under an unlinkable token (the figures do not move, and the
 * erasures are counted); the dead letters whose bytes name her go; the partners' topics that
 * carried her items get a tombstone for her key. The audit trail keeps its entries (the legal
 * record of what was disclosed, pseudonymous) and records the erasure itself, without her
 * pseudonym.
 */
export class ErasureService {
  constructor(
    private readonly db: Database,
    private readonly bus: MessageBus,
    private readonly pseudonymizer: Pseudonymizer,
    private readonly vault: IdentityVault,
    private readonly keyring: IdentityKeyring,
    private readonly audit: AuditTrail,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** At her request. `matricule`: the NIR, or the INS's value (the same 13 digits and key), already checked. */
  erase(matricule: string, reason: string, actor: string): Promise<Erasure> {
    return this.erasePerson(this.pseudonymizer.person(matricule), { kind: 'request', reason, actor, matricule });
  }

  /**
   * Erases a person known by her pseudonym. With her matricule (a request), the dead letters
   * naming her are found and removed too; without (retention), they go with their own, shorter
   * retention.
   */
  async erasePerson(person: string, how: { kind: Erasure['kind']; reason: string; actor: string; matricule?: string }): Promise<Erasure> {
    const { kind, reason, actor } = how;
    const erasureId = `er_${randomUUID()}`;
    const token = `erased:${randomUUID()}`;
    const erasedAt = this.clock().toISOString();
    const { summary, partners } = await this.db.transaction(async (tx) => {
      const identity = (await this.vault.forget(tx, person)) ? 1 : 0;
      const items = await itemsOfPerson(tx, person);
      const leaves = await eraseSickLeaves(tx, person);
      const coordination = await eraseCoordination(tx, person);
      const consents = await eraseConsents(tx, person);
      const pushEvents = await erasePushEvents(tx, person);
      // Her items' webhooks and FHIR Tasks hear of it, as her Kafka topics get a tombstone.
      await pushErased(tx, person, items, this.clock());
      const metrics = await unlinkFromMetrics(tx, person, token);
      const followUps = await unlinkFollowUps(tx, person, token);
      const partners = [...new Set([...leaves.partners, ...coordination.partners])].sort();
      const summary: ErasureSummary = {
        removed: {
          identity,
          episodes: leaves.episodes,
          messageTraces: leaves.messageTraces,
          parkedCases: leaves.parkedCases,
          inboxItems: leaves.inboxItems + coordination.inboxItems,
          referrals: coordination.referrals,
          accompanimentReports: coordination.accompanimentReports,
          decisions: coordination.decisions,
          caseLeads: coordination.caseLeads,
          consents,
          followUpLeads: followUps.followUpLeads,
          deadLetters: 0,
          pushEvents,
        },
        unlinked: { outcomePersons: metrics.outcomePersons, orientations: metrics.orientations, followUps: followUps.followUps },
        tombstones: partners.length + 1,
      };
      return { summary, partners };
    });
    if (how.matricule) summary.removed.deadLetters = await this.eraseDeadLetters(how.matricule.slice(0, 13));
    // Her key on every topic keyed by her pseudonym that carried her: the partners' inbox topics
    // and the follow-ups. A compacting consumer drops what it kept under it.
    // With her matricule, every version of her pseudonym: records written before a rotation of the key keep theirs.
    const keys = how.matricule ? this.pseudonymizer.personVersions(how.matricule) : [person];
    const tombstones = (): OutgoingMessage[] => keys.map((key) => ({ key, value: null, headers: { 'x-erasure-id': erasureId } }));
    await this.bus.publishMany([...partners.map((p) => ({ topic: inboxTopic(p), messages: tombstones() })), { topic: Topics.followUp, messages: tombstones() }]);
    await this.db.query('INSERT INTO erasures (erasure_id, kind, erased_at, actor, reason, summary) VALUES ($1, $2, $3, $4, $5, $6)', [
      erasureId,
      kind,
      erasedAt,
      actor,
      reason,
      JSON.stringify(summary),
    ]);
    await this.audit.append([{ action: 'person-erased', subjectType: 'erasure', subjectId: erasureId, personPseudonym: null, actor, detail: { kind, reason, ...summary } }]);
    hubMetrics.erasures.inc({ kind });
    return { erasureId, kind, erasedAt, actor, reason, summary };
  }

  /** The dead letters whose original bytes hold her matricule (opened one by one: they are sealed), removed. */
  private async eraseDeadLetters(matricule13: string): Promise<number> {
    const store = new DeadLetterStore(this.db);
    let after = '';
    let removed = 0;
    for (;;) {
      const page = await store.pageAfter(after, 500);
      const hers = page.filter((d) => originalOf(this.keyring, d).includes(matricule13)).map((d) => d.deadLetterId);
      removed += await store.remove(hers);
      if (page.length < 500) return removed;
      after = page[page.length - 1].deadLetterId;
    }
  }

  /** The erasures done, newest first (no person in them), and how many in all. */
  async list(limit = 100): Promise<{ count: number; erasures: Erasure[] }> {
    const count = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM erasures');
    const { rows } = await this.db.query<{ erasure_id: string; kind: Erasure['kind']; erased_at: Date; actor: string; reason: string; summary: ErasureSummary }>(
      'SELECT erasure_id, kind, erased_at, actor, reason, summary FROM erasures ORDER BY erased_at DESC, erasure_id DESC LIMIT $1',
      [limit],
    );
    return {
      count: Number(count.rows[0].n),
      erasures: rows.map((r) => ({ erasureId: r.erasure_id, kind: r.kind, erasedAt: new Date(r.erased_at).toISOString(), actor: r.actor, reason: r.reason, summary: r.summary })),
    };
  }
}
