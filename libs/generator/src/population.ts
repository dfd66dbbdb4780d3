import { EmployerLeaveDeclaration, Measure, OutcomeKind, OutcomeReport, PartnerCategory, PreRepriseRequester, PyramideLevel, SickLeaveNotification, Signalement, Topics } from '@pdp/contracts';
import { withNirKey } from '@pdp/domain';
import { plusDays as addDays } from './days';
import { buildEmployers, buildPartners, departementTable, GeneratedEmployer, GeneratedPartner } from './directory';
import { DEPARTEMENT_POPULATION } from './geography';
import { corrupt } from './malformed';
import { Rng, WeightedTable } from './rng';
import { addCase, CaseReport, emptyTruth, GroundTruth, MessageType } from './truth';

export interface PopulationOptions {
  seed: number;
  /** Workers with at least one sick leave in the period. */
  persons: number;
  /** Territory (département codes); all of France by default. */
  departements?: string[];
  /** First day leaves may start, and over how many months they start. */
  start?: string;
  months?: number;
  /** No message is dated after this day (later follow-ups have not happened yet). */
  until?: string;
  unknownEmployerShare?: number;
  malformedShare?: number;
  employerDeclarationShare?: number;
  /** Referrals sent without the worker's consent. */
  consentMissingShare?: number;
  /** Share of a partner's reports whose outcome differs from the true one (before the last word). */
  disagreementShare?: number;
  /** Share of cases whose chef de file reports the 6-month follow-up. */
  followUpShare?: number;
  /** Cases of one person are generated further apart than this (the hub's METRICS_DEDUP_GAP_DAYS). */
  dedupGapDays?: number;
}

export interface GeneratedMessage {
  type: MessageType;
  topic: string;
  key: string;
  value: string;
  malformed: boolean;
}

/** The signalement inbound topic of the signalement flow. */
export const SIGNALEMENT_INBOUND_TOPIC = 'pdp.signalement.inbound.v1';

const TOPIC: Record<MessageType, string> = {
  'sick-leave': Topics.sickLeaveInbound,
  'employer-declaration': Topics.employerLeaveInbound,
  signalement: SIGNALEMENT_INBOUND_TOPIC,
  outcome: Topics.outcomeInbound,
};

// prettier-ignore
const PYRAMIDE: readonly (readonly [PyramideLevel, number])[] = [['T1', 5], ['T2', 35], ['T3a', 25], ['T3b', 20], ['T4', 15]];
// prettier-ignore
const TRUE_OUTCOMES: Record<string, readonly (readonly [OutcomeKind, number])[]> = {
  T1: [['kept-at-post', 80], ['post-adapted', 15], ['lost-to-follow-up', 5]],
  T2: [['kept-at-post', 55], ['post-adapted', 25], ['redeployed-internal', 5], ['unfit-dismissed', 8], ['lost-to-follow-up', 7]],
  T3a: [['redeployed-internal', 40], ['post-adapted', 20], ['kept-at-post', 5], ['unfit-dismissed', 25], ['training-retraining', 5], ['lost-to-follow-up', 5]],
  T3b: [['redeployed-external', 30], ['training-retraining', 25], ['unfit-dismissed', 35], ['retirement', 5], ['lost-to-follow-up', 5]],
  T4: [['invalidity', 30], ['unfit-dismissed', 40], ['post-adapted', 10], ['redeployed-external', 5], ['retirement', 10], ['lost-to-follow-up', 5]],
};
const ALL_OUTCOMES: OutcomeKind[] = [
  'kept-at-post',
  'post-adapted',
  'redeployed-internal',
  'redeployed-external',
  'training-retraining',
  'unfit-dismissed',
  'invalidity',
  'retirement',
  'lost-to-follow-up',
];
// prettier-ignore
const MEASURES_BY_CATEGORY: Partial<Record<PartnerCategory, readonly (readonly [Measure, number])[]>> = {
  spsti: [['visite-pre-reprise', 0.5], ['visite-reprise', 0.6], ['rendez-vous-liaison', 0.3], ['amenagement-poste', 0.4], ['essai-encadre', 0.15], ['temps-partiel-therapeutique', 0.3]],
  'service-social-carsat': [['essai-encadre', 0.3], ['crpe', 0.1], ['bilan-competences', 0.2], ['cep', 0.2], ['ptp-transition-pro', 0.1], ['formation-reconversion', 0.15]],
  'cap-emploi': [['aide-agefiph', 0.6], ['amenagement-poste', 0.5], ['dossier-mdph-rqth', 0.4]],
  'france-travail': [['formation-reconversion', 0.4], ['cep', 0.3]],
};
// prettier-ignore
const REQUESTERS: readonly (readonly [PreRepriseRequester, number])[] = [['worker', 20], ['medecin-traitant', 30], ['medecin-conseil', 30], ['medecin-du-travail', 20]];

interface Involved {
  partner: GeneratedPartner;
  sender: GeneratedPartner;
  referral: string;
  reason: Signalement['reason'];
}

/**
 * A seeded, realistic population for demos, tests and benchmarks: partners per territory,
 * employers (some unknown to the directory), workers with sick leaves (many short, a tail of long
 * ones, prolongations), PDP cases with referrals between partners, and outcome reports from
 * several partners for the same case (the double counting the hub removes), plus a share of
 * malformed messages. Messages are streamed; the ground truth is complete once they are consumed.
 */
export class Population {
  readonly partners: GeneratedPartner[];
  readonly employers: GeneratedEmployer[];
  readonly truth: GroundTruth;
  private readonly o: Required<Omit<PopulationOptions, 'departements'>> & { departements: string[] };
  private readonly byDep: Map<string, GeneratedEmployer[]>;
  private readonly partnerById: Map<string, GeneratedPartner>;
  private readonly deps: WeightedTable<string>;

  constructor(options: PopulationOptions) {
    this.o = {
      departements: options.departements ?? Object.keys(DEPARTEMENT_POPULATION),
      start: '2023-01-01',
      months: 24,
      until: '2026-06-30',
      unknownEmployerShare: 0.03,
      malformedShare: 0.01,
      employerDeclarationShare: 0.2,
      consentMissingShare: 0.1,
      disagreementShare: 0.12,
      followUpShare: 0.6,
      dedupGapDays: 60,
      ...options,
    } as Population['o'];
    const rng = new Rng(this.o.seed ^ 0x5eed);
    this.partners = buildPartners(this.o.departements);
    this.partnerById = new Map(this.partners.map((p) => [p.partnerId, p]));
    this.byDep = buildEmployers(rng, this.o.departements, this.o.persons, this.o.unknownEmployerShare);
    this.employers = [...this.byDep.values()].flat();
    this.deps = departementTable(this.o.departements);
    this.truth = emptyTruth(this.o.seed);
    this.truth.employers = { known: this.employers.filter((e) => e.known).length, unknown: this.employers.filter((e) => !e.known).length };
  }

  /** Adhesions the directory knows (the unknown employers are left out on purpose). */
  adhesions(): { siret: string; spstiId: string; validFrom: string }[] {
    return this.employers.filter((e) => e.known).map((e) => ({ siret: e.siret, spstiId: e.spstiId, validFrom: '2015-01-01' }));
  }

  /** Every message, person after person; deterministic for a seed. */
  *messages(): Generator<GeneratedMessage> {
    const rng = new Rng(this.o.seed);
    const emit = (type: MessageType, key: string, value: object): GeneratedMessage[] => {
      this.truth.messages[type]++;
      const out: GeneratedMessage[] = [{ type, topic: TOPIC[type], key, value: JSON.stringify(value), malformed: false }];
      if (rng.bool(this.o.malformedShare)) {
        this.truth.malformed[type]++;
        out.push({ type, topic: TOPIC[type], key: `${key}-x`, value: JSON.stringify(corrupt(rng, type, value)), malformed: true });
      }
      return out;
    };
    for (let i = 0; i < this.o.persons; i++) {
      this.truth.persons++;
      yield* this.person(rng, i, emit);
    }
  }

  private *person(rng: Rng, i: number, emit: (type: MessageType, key: string, value: object) => GeneratedMessage[]): Generator<GeneratedMessage> {
    const dep = this.deps.pick(rng);
    const employer = rng.pick(this.byDep.get(dep)!);
    const sex = rng.bool(0.5) ? '1' : '2';
    const nir = nirFor(i, sex, dep);
    const worker = { nir, departement: dep };
    const periodEnd = addDays(this.o.start, this.o.months * 30);
    let next = addDays(this.o.start, rng.int(0, this.o.months * 30));
    const episodes = 1 + (rng.bool(0.25) ? 1 + (rng.bool(0.2) ? 1 : 0) : 0);
    for (let ep = 0; ep < episodes && next <= periodEnd; ep++) {
      this.truth.episodes++;
      const start = next;
      const days = leaveDays(rng);
      const end = addDays(start, days - 1);
      const pdpRisk = rng.bool(days >= 90 ? 0.45 : days >= 30 ? 0.1 : 0.01);
      const id = `g${this.o.seed}-${i}-${ep}`;
      for (const leave of notifications(rng, id, worker, employer.siret, start, days, pdpRisk, dep)) yield* emit('sick-leave', leave.initialLeaveId ?? leave.leaveId, leave);
      if (days > 30 && rng.bool(this.o.employerDeclarationShare)) {
        const declaration: EmployerLeaveDeclaration = {
          schemaVersion: 'employer-leave-declaration/1',
          messageId: `e-${id}`,
          worker,
          employer: { siret: employer.siret },
          startDate: start,
          expectedEndDate: end,
          declaredAt: `${addDays(start, 31)}T09:00:00Z`,
        };
        yield* emit('employer-declaration', declaration.messageId, declaration);
      }
      let caseEnd = end;
      if ((days >= 60 && rng.bool(0.5)) || (pdpRisk && rng.bool(0.6))) {
        const made = this.pdpCase(rng, id, worker, employer, start, days);
        caseEnd = made.caseEnd;
        for (const m of made.messages) yield* emit(m.type, m.key, m.value);
      }
      // The next episode starts after this one, further than the dedup gap from this case.
      next = addDays(caseEnd > end ? caseEnd : end, this.o.dedupGapDays + rng.int(10, 300));
    }
  }

  /** Referrals, accompaniments and outcome reports of one PDP case. */
  private pdpCase(rng: Rng, id: string, worker: { nir: string; departement: string }, employer: GeneratedEmployer, start: string, days: number) {
    const dep = worker.departement;
    const region = this.partnerById.get(`carsat-ss-${regionOfPartner(this.partners, dep)}`)!;
    const at = (pid: string) => this.partnerById.get(pid)!;
    const reg = region.region;
    const spsti = at(employer.spstiId);
    const medical = at(`service-medical-${reg}`);
    const cap = at(`cap-emploi-${dep.toLowerCase()}`);
    const travail = at(`france-travail-${reg}`);
    const pyramide = rng.weighted(PYRAMIDE);
    const rqth = rng.bool(pyramide === 'T3b' || pyramide === 'T4' ? 0.45 : 0.12);
    const truth = rng.weighted(TRUE_OUTCOMES[pyramide]);
    const heavy = pyramide === 'T3b' || pyramide === 'T4';
    const chef = heavy ? region : spsti;

    const involved: Involved[] = [{ partner: spsti, sender: medical, referral: addDays(start, rng.int(10, 60)), reason: days >= 90 ? 'arret-long' : 'maladie-chronique' }];
    if (heavy || rng.bool(pyramide === 'T3a' ? 0.6 : 0.25))
      involved.push({ partner: region, sender: rng.bool(0.6) ? spsti : medical, referral: addDays(start, rng.int(30, 120)), reason: 'difficulte-au-poste' });
    // Cap emploi is often reached late (DOMAIN.md): months after the leave started.
    if (rqth ? rng.bool(0.8) : rng.bool(0.05))
      involved.push({ partner: cap, sender: involved.length > 1 && rng.bool(0.4) ? region : spsti, referral: addDays(start, rng.int(90, 400)), reason: 'handicap-rqth' });
    const lastReferral = involved
      .map((v) => v.referral)
      .sort()
      .at(-1)!;
    const caseEnd = addDays(lastReferral, rng.int(45, 180));
    if (truth === 'unfit-dismissed' && rng.bool(0.5)) involved.push({ partner: travail, sender: spsti, referral: addDays(caseEnd, -rng.int(0, 30)), reason: 'licenciement-inaptitude' });

    const messages: { type: MessageType; key: string; value: object }[] = [];
    for (const [k, v] of involved.entries()) {
      const s = signalement(rng, `${id}-s${k}`, v, worker, employer.siret, pyramide, rqth, this.o.consentMissingShare);
      this.truth.orientations.total++;
      if (!s.consent.granted) this.truth.orientations.consentMissing++;
      const pair = `${v.sender.category}>${v.partner.category}`;
      this.truth.orientations.byCategories[pair] = (this.truth.orientations.byCategories[pair] ?? 0) + 1;
      messages.push({ type: 'signalement', key: `${v.sender.partnerId}:${s.signalementId}`, value: s });
    }
    if (caseEnd > this.o.until) return { caseEnd, messages }; // still accompanied: nothing reported yet

    // Reports. The chef de file has the last word: its 6- (and 12-) month follow-up, or else its
    // end report, dated after every other one; earlier reports may disagree with the truth.
    const with6m = rng.bool(this.o.followUpShare) && addDays(caseEnd, 182) <= this.o.until;
    const with12m = with6m && rng.bool(0.3) && addDays(caseEnd, 365) <= this.o.until;
    if (!involved.some((v) => v.partner === chef)) involved.push({ partner: chef, sender: spsti, referral: addDays(caseEnd, -45), reason: 'difficulte-au-poste' });
    const reports: CaseReport[] = [];
    const opinion = () => (rng.bool(this.o.disagreementShare) ? rng.pick(ALL_OUTCOMES.filter((o) => o !== truth)) : truth);
    for (const [k, v] of involved.entries()) {
      const isChef = v.partner === chef;
      const windowEnd = isChef ? caseEnd : addDays(caseEnd, -rng.int(1, 25));
      const window = { startDate: v.referral < windowEnd ? v.referral : addDays(windowEnd, -30), endDate: windowEnd };
      const measures = measuresFor(rng, v.partner.category);
      const report = (point: OutcomeReport['followUpPoint'], date: string, outcome: OutcomeKind, n: number) => {
        reports.push({ partnerId: v.partner.partnerId, category: v.partner.category, point, date, outcome });
        messages.push({
          type: 'outcome',
          key: `${v.partner.partnerId}:${id}-r${k}-${n}`,
          value: outcomeReport(`${id}-r${k}-${n}`, v.partner, worker, window, point, date, outcome, measures, pyramide),
        });
      };
      if (isChef) {
        report('end', windowEnd, with6m ? opinion() : truth, 0);
        if (with6m) report('6m', addDays(caseEnd, 182), truth, 1);
        if (with12m) report('12m', addDays(caseEnd, 365), truth, 2);
      } else {
        if (rng.bool(0.9)) report('end', windowEnd, opinion(), 0);
        if (with6m && rng.bool(0.2)) report('3m', addDays(windowEnd, 91), opinion(), 1);
      }
    }
    addCase(this.truth, reports, truth);
    return { caseEnd, messages };
  }
}

function regionOfPartner(partners: GeneratedPartner[], dep: string): string {
  return partners.find((p) => p.category === 'cpam' && p.departements[0] === dep)!.region;
}

/** A unique, valid NIR per person index (the index spreads over birth month/year, commune, order). */
function nirFor(i: number, sex: string, dep: string): string {
  const order = String(i % 1000).padStart(3, '0');
  const commune = String(1 + (Math.floor(i / 1000) % 990)).padStart(3, '0');
  const month = String(1 + (Math.floor(i / 990_000) % 12)).padStart(2, '0');
  const year = String(50 + (Math.floor(i / 11_880_000) % 50)).padStart(2, '0');
  const birthDep = dep.length === 2 ? dep : dep.slice(0, 2);
  return withNirKey(`${sex}${year}${month}${birthDep}${commune}${order}`);
}

/** Many short leaves, fewer medium ones, a tail of long ones (days). */
function leaveDays(rng: Rng): number {
  const kind = rng.next();
  const [median, sigma, min, max] = kind < 0.6 ? [6, 0.6, 1, 30] : kind < 0.9 ? [35, 0.5, 15, 120] : [150, 0.6, 60, 1000];
  return Math.max(min, Math.min(max, Math.round(rng.logNormal(median, sigma))));
}

function notifications(rng: Rng, id: string, worker: { nir: string; departement: string }, siret: string, start: string, days: number, pdpRisk: boolean, dep: string): SickLeaveNotification[] {
  const first = Math.min(days, rng.int(7, 30));
  const step = Math.max(15, Math.ceil(days / 25));
  const cpam = /^[0-9]{2}$/.test(dep) ? `${dep}1` : dep === '2A' ? '201' : dep === '2B' ? '202' : dep;
  const consent = pdpRisk && rng.bool(0.75) ? { granted: true, collectedAt: `${start}T10:00:00Z`, collectedBy: 'service-medical' } : undefined;
  const out: SickLeaveNotification[] = [];
  for (let covered = 0, k = 0; covered < days; k++) {
    const length = k === 0 ? first : Math.min(days - covered, rng.int(15, step + 15));
    const from = addDays(start, covered);
    out.push({
      schemaVersion: 'sick-leave-notification/1',
      messageId: `m-${id}-${k}`,
      leaveId: `${id}-${k}`,
      kind: k === 0 ? 'initial' : 'prolongation',
      ...(k > 0 ? { initialLeaveId: `${id}-0` } : {}),
      worker,
      employer: { siret },
      startDate: from,
      expectedEndDate: addDays(from, length - 1),
      nature: rng.weighted([
        ['maladie', 85],
        ['accident-du-travail', 10],
        ['maladie-professionnelle', 5],
      ] as const),
      pdpRisk,
      issuingCpam: { code: cpam },
      ...(consent ? { consent } : {}),
      issuedAt: `${from}T08:00:00Z`,
    });
    covered += length;
  }
  return out;
}

function signalement(rng: Rng, id: string, v: Involved, worker: { nir: string; departement: string }, siret: string, pyramide: PyramideLevel, rqth: boolean, consentMissing: number): Signalement {
  const measures = measuresFor(rng, v.partner.category).slice(0, 3);
  return {
    schemaVersion: 'signalement/1',
    messageId: `sig-${id}`,
    signalementId: id,
    sender: { partnerId: v.sender.partnerId },
    recipient: { partnerId: v.partner.partnerId, category: v.partner.category },
    worker,
    employer: { siret },
    date: v.referral,
    reason: v.reason,
    ...(rng.bool(0.8) ? { pyramide } : {}),
    ...(rng.bool(0.4) ? { irdp: rng.int(0, 3) } : {}),
    requestedMeasures: measures,
    rqth,
    urgency: rng.weighted([
      ['normale', 80],
      ['prioritaire', 15],
      ['urgente', 5],
    ] as const),
    consent: { granted: !rng.bool(consentMissing), collectedAt: `${v.referral}T09:00:00Z`, collectedBy: v.sender.category },
    sentAt: `${v.referral}T12:00:00Z`,
  };
}

function measuresFor(rng: Rng, category: PartnerCategory): Measure[] {
  return (MEASURES_BY_CATEGORY[category] ?? []).filter(([, p]) => rng.bool(p)).map(([m]) => m);
}

function outcomeReport(
  reportId: string,
  partner: GeneratedPartner,
  worker: { nir: string; departement: string },
  window: { startDate: string; endDate: string },
  point: OutcomeReport['followUpPoint'],
  date: string,
  outcome: OutcomeKind,
  measures: Measure[],
  pyramide: PyramideLevel,
): OutcomeReport {
  const requester = measures.includes('visite-pre-reprise') ? REQUESTERS[reportId.length % REQUESTERS.length][0] : undefined;
  return {
    schemaVersion: 'outcome-report/1',
    messageId: `o-${reportId}`,
    reportId,
    reporter: { partnerId: partner.partnerId },
    worker,
    accompaniment: window,
    followUpPoint: point,
    outcome,
    outcomeDate: date,
    measures,
    ...(requester ? { preRepriseRequester: requester } : {}),
    pyramide,
    reportedAt: `${date}T16:00:00Z`,
  };
}
