import { ConsentStatement, ContractRegistry, Violation } from '@pdp/contracts';
import { SignalementTopics } from '@pdp/contracts';
import { MessageBus } from '@pdp/bus';
import { Database } from '@pdp/db';
import { Pseudonymizer } from '@pdp/domain';
import { AuditEntry, AuditTrail } from '@pdp/audit';
import { ConsentRegistry } from '@pdp/consent';
import { Consent, FhirClients, FhirDeliveryChannel, FhirOrganizationDirectory } from '@pdp/fhir';
import { RuleSet } from '@pdp/routing-rules';
import { IdentityVault } from '@pdp/identity';
import { AdhesionDirectory, PartnerCategories, PartnerIdentitySealer, PartnerRegistry } from '@pdp/partners';
import { DeadLetterSink } from '@pdp/dead-letters';
import { PartnerCategory } from '@pdp/contracts';
import { CaseLeadStore } from './case-lead.store';
import { ConsentChange, ConsentService } from './consent-service';
import { SignalementCoordinator } from './coordinator';
import { validateReport, validateSignalement } from './intake';
import { SignalementQueries } from './case-file';
import { ReturnFlow } from './return-flow';
import { DeliveryWriter } from './writer';
import { FhirRetryPolicy } from './delivery.store';

export interface SignalementsDeps {
  db: Database;
  bus: MessageBus;
  contracts: ContractRegistry;
  pseudonymizer: Pseudonymizer;
  deadLetters: DeadLetterSink;
  partners: PartnerRegistry;
  directory: AdhesionDirectory;
  partitions: number;
  clock?: () => Date;
  /** The routing rules, shared with the sick-leave flow's audit (one reload serves both). */
  rules: RuleSet;
  audit: AuditTrail;
  identities: IdentityVault;
  /** Seals the worker's identity for the partners with a registered key (their topic records carry it as workerJwe). */
  identitySealer?: PartnerIdentitySealer;
  /** Partners' URLs may point at private addresses (test configurations only; docs/security.md). */
  allowPrivatePartnerUrls?: boolean;
  /** When a FHIR copy whose partner endpoint failed is pushed again (HubConfig.fhirRetry). */
  fhirRetry: FhirRetryPolicy;
}

export type IntakeOutcome = { accepted: true; messageId: string; id: string } | { accepted: false; status: 400 | 403; title: string; violations: Violation[] };

/**
 * The signalement flow (referrals between partners, consent, chef de file) and the SPSTI's
 * return flow, composed once per app by SignalementsModule.
 */
export class Signalements {
  readonly rules: RuleSet;
  readonly audit: AuditTrail;
  readonly consentRegistry: ConsentRegistry;
  readonly writer: DeliveryWriter;
  readonly coordinator: SignalementCoordinator;
  readonly returnFlow: ReturnFlow;
  readonly consent: ConsentService;
  readonly queries: SignalementQueries;
  readonly fhirDirectory: FhirOrganizationDirectory;
  private readonly leads: CaseLeadStore;
  private readonly clock: () => Date;

  private constructor(private readonly deps: SignalementsDeps) {
    this.clock = deps.clock ?? (() => new Date());
    const clients = new FhirClients({}, { allowPrivate: deps.allowPrivatePartnerUrls ?? false });
    this.rules = deps.rules;
    this.audit = deps.audit;
    this.consentRegistry = new ConsentRegistry(deps.db);
    this.writer = new DeliveryWriter({
      db: deps.db,
      bus: deps.bus,
      audit: this.audit,
      fhir: new FhirDeliveryChannel(clients),
      partitions: deps.partitions,
      identities: deps.identities,
      identitySealer: deps.identitySealer,
      fhirRetry: deps.fhirRetry,
    });
    const common = { db: deps.db, contracts: deps.contracts, deadLetters: deps.deadLetters, partners: deps.partners, rules: this.rules, writer: this.writer, clock: this.clock };
    this.coordinator = new SignalementCoordinator({
      ...common,
      pseudonymizer: deps.pseudonymizer,
      directory: deps.directory,
      consent: this.consentRegistry,
      audit: this.audit,
      identities: deps.identities,
    });
    this.returnFlow = new ReturnFlow(common);
    this.consent = new ConsentService({ ...common, bus: deps.bus, pseudonymizer: deps.pseudonymizer, consent: this.consentRegistry, audit: this.audit, coordinator: this.coordinator });
    this.queries = new SignalementQueries(deps.db, deps.pseudonymizer);
    this.fhirDirectory = new FhirOrganizationDirectory(clients);
    this.leads = new CaseLeadStore(deps.db);
  }

  /** Creates the flow's topics before anything is published to them. */
  static async create(deps: SignalementsDeps): Promise<Signalements> {
    const c = new Signalements(deps);
    await deps.bus.ensureTopics(Object.values(SignalementTopics).map((topic) => ({ topic, partitions: deps.partitions })));
    return c;
  }

  /** HTTP entry: the same checks as the consumer, then the inbound topic (keyed by the sender's id, never the NIR). */
  async acceptSignalement(body: unknown, senderId: string): Promise<IntakeOutcome> {
    const r = validateSignalement(body, this.deps.contracts, this.today());
    if (!r.ok) return { accepted: false, status: 400, title: `The signalement ${r.reason}`, violations: r.violations };
    if (r.value.sender.partnerId !== senderId)
      return { accepted: false, status: 403, title: 'A partner sends only its own signalements', violations: [{ path: '/sender/partnerId', message: `is not ${senderId}` }] };
    // A recipient the hub cannot route to is refused now, while the sender is listening, rather
    // than accepted and dead-lettered by the consumer where only ops would see it.
    const recipient = r.value.recipient.partnerId;
    if (recipient && !(await this.deps.partners.get(recipient)))
      return { accepted: false, status: 400, title: 'The signalement names an unknown recipient', violations: [{ path: '/recipient/partnerId', message: `${recipient} is not a registered partner` }] };
    await this.deps.bus.publish(SignalementTopics.signalementInbound, [{ key: `${senderId}:${r.value.signalementId}`, value: JSON.stringify(r.value) }]);
    return { accepted: true, messageId: r.value.messageId, id: r.value.signalementId };
  }

  async acceptReport(body: unknown, senderId: string): Promise<IntakeOutcome> {
    const r = validateReport(body, this.deps.contracts, this.today());
    if (!r.ok) return { accepted: false, status: 400, title: `The accompaniment report ${r.reason}`, violations: r.violations };
    if (r.value.sender.partnerId !== senderId)
      return { accepted: false, status: 403, title: 'A partner sends only its own reports', violations: [{ path: '/sender/partnerId', message: `is not ${senderId}` }] };
    await this.deps.bus.publish(SignalementTopics.accompanimentReportInbound, [{ key: `${senderId}:${r.value.reportId}`, value: JSON.stringify(r.value) }]);
    return { accepted: true, messageId: r.value.messageId, id: r.value.reportId };
  }

  /**
   * A partner records a consent decision it collected, with its evidence, for a worker it knows
   * through the hub (a case delivered to it, or a referral it sent): a partner cannot withdraw,
   * grant or refuse for a worker who is none of its business.
   */
  async recordConsent(statement: ConsentStatement, partnerId: string): Promise<{ ok: true; change: ConsentChange } | { ok: false; status: 400 | 403; title: string; violations: Violation[] }> {
    if (!statement.evidenceRef)
      return {
        ok: false,
        status: 400,
        title: 'A consent statement needs its evidence',
        violations: [{ path: '/evidenceRef', message: 'is required: the reference of the signed form or recorded statement you keep' }],
      };
    const person = this.deps.pseudonymizer.person(statement.worker.nir ?? statement.worker.ins!.value);
    if (!(await this.queries.partnerMayRecordConsent(partnerId, person)))
      return { ok: false, status: 403, title: 'Not your worker', violations: [{ path: '/worker', message: 'no case of this worker was delivered to you or referred by you' }] };
    return { ok: true, change: await this.consent.recordStatement(statement, partnerId) };
  }

  /** FHIR Consent resources from a partner: only those of the workers it knows are recorded, the others skipped. */
  importConsents(resources: Consent[], partnerId: string) {
    return this.consent.importFhir(resources, partnerId, (person) => this.queries.partnerMayRecordConsent(partnerId, person));
  }

  /** Re-assigns a case's chef de file by hand (IGAS recommendation 2), with its reason. */
  async reassignLead(caseId: string, partnerId: string, reason: string, actor: string) {
    const partner = await this.deps.partners.get(partnerId);
    if (!partner) return { ok: false as const, status: 400, message: `${partnerId} is not a registered partner` };
    const person = await this.leads.personOf(caseId);
    if (person === null) return { ok: false as const, status: 404, message: `no case ${caseId}` };
    const audit: AuditEntry[] = [];
    await this.deps.db.transaction(async (tx) => {
      await this.leads.lockCase(tx, caseId);
      await this.coordinator.assignLead(tx, caseId, person, { partnerId, category: partner.category, assignedBy: 'manual', ruleId: null, reason }, this.rules.version, audit, actor, true);
      await this.audit.append(audit, tx);
    });
    return { ok: true as const, chefDeFile: await this.queries.lead(caseId) };
  }

  /** Ops: imports the Consent resources a FHIR server holds (updated since a date); each record and the import are audited. */
  async importConsentsFromServer(baseUrl: string, since: string | undefined, actor: string) {
    const consents = await this.fhirDirectory.consents(baseUrl, since);
    const change = await this.consent.importFhir(consents, actor);
    await this.audit.append([
      {
        action: 'consents-imported',
        subjectType: 'consent',
        subjectId: 'fhir-import',
        actor,
        detail: { server: serverOf(baseUrl), since: since ?? null, resources: consents.length, recorded: change.recorded.length, skipped: change.skipped.length },
      },
    ]);
    return change;
  }

  /** Ops: pushes again the FHIR copies whose partner endpoint failed; the retry is audited (each push is, by the hub). */
  async retryFhir(actor: string) {
    const r = await this.writer.retryFhir();
    await this.audit.append([{ action: 'fhir-retried', subjectType: 'fhir', subjectId: 'pending-deliveries', actor, detail: r }]);
    return r;
  }

  pseudonymize(nir: string): string {
    return this.deps.pseudonymizer.person(nir);
  }

  /** Every version of a person's pseudonym, the current last (docs/security.md, "Rotating the pseudonymisation key"). */
  pseudonymVersions(nir: string): string[] {
    return this.deps.pseudonymizer.personVersions(nir);
  }

  /** Reloads the rule file (InvalidRulesError keeps the rules in force); the reload is audited. */
  async reloadRules(actor: string) {
    const r = this.rules.reload();
    await this.audit.append([{ action: 'rules-reloaded', subjectType: 'rules', subjectId: r.rulesVersion, rulesVersion: r.rulesVersion, actor, detail: r }]);
    return r;
  }

  /** Registers (or updates) the partners a FHIR directory lists for a category and territory, each audited. */
  async importPartnersFromFhir(baseUrl: string, query: { category?: string; departement?: string; type?: string }, actor: string) {
    const found = await this.fhirDirectory.search(baseUrl, query);
    const valid = found.filter((o) => PartnerCategories.includes(o.category as PartnerCategory));
    const audit: AuditEntry[] = [];
    for (const o of valid) {
      const known = await this.deps.partners.get(o.partnerId);
      await this.deps.partners.register({
        partnerId: o.partnerId,
        category: o.category as PartnerCategory,
        name: o.name,
        region: known?.region ?? null,
        departements: o.departements,
        fhirEndpoint: o.fhirEndpoint,
        siret: o.siret,
        finess: o.finess,
      });
      audit.push({
        action: 'partner-registered',
        subjectType: 'partner',
        subjectId: o.partnerId,
        partnerId: o.partnerId,
        category: o.category,
        actor,
        detail: {
          change: known ? 'updated' : 'created',
          source: 'fhir',
          directory: serverOf(baseUrl),
          organization: o.organizationReference,
          name: o.name,
          departements: o.departements,
          fhirEndpoint: o.fhirEndpoint,
          siret: o.siret,
          finess: o.finess,
        },
      });
    }
    await this.audit.append(audit);
    return {
      imported: valid.map((o) => ({
        partnerId: o.partnerId,
        category: o.category,
        departements: o.departements,
        fhirEndpoint: o.fhirEndpoint,
        organization: o.organizationReference,
        siret: o.siret,
        finess: o.finess,
      })),
      ignored: found.length - valid.length,
    };
  }

  private today(): string {
    return this.clock().toISOString().slice(0, 10);
  }
}

/** A server's URL as the audit trail keeps it: no credentials, no query. */
function serverOf(baseUrl: string): string {
  try {
    const u = new URL(baseUrl);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
