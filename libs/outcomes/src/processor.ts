import { ContractIds, ContractRegistry, OutcomeReport, Violation } from '@pdp/contracts';
import { BusMessage } from '@pdp/bus';
import { Sql } from '@pdp/db';
import { Pseudonymizer } from '@pdp/domain';
import { DeadLetterSink, parseJson, readMessageId, Rejection, rejectionOf } from '@pdp/dead-letters';
import { OutcomeMetricsStore, RecordedOutcome } from '@pdp/metrics';
import { checkOutcome } from './checks';
import { FollowUpService } from './follow-ups';
import { Reporter, ReporterStore } from './reporter.store';

export interface OutcomeProcessorDeps {
  db: Sql;
  contracts: ContractRegistry;
  pseudonymizer: Pseudonymizer;
  deadLetters: DeadLetterSink;
  store: OutcomeMetricsStore;
  followUps: FollowUpService;
  clock?: () => Date;
}

/**
 * Consumer of the outcome topic: validate → check identifiers and dates → check the reporter is
 * a known partner → pseudonymise the worker → update the metrics and the follow-ups, a batch at
 * a time. Bad messages are dead-lettered; nothing past this point holds a NIR.
 */
export class OutcomeProcessor {
  private readonly contract;
  private readonly clock: () => Date;
  private readonly reporters: ReporterStore;

  constructor(private readonly deps: OutcomeProcessorDeps) {
    this.contract = deps.contracts.contract<OutcomeReport>(ContractIds.outcomeReport);
    this.clock = deps.clock ?? (() => new Date());
    this.reporters = new ReporterStore(deps.db);
  }

  async handleBatch(messages: BusMessage[]): Promise<void> {
    const rejections: Rejection[] = [];
    const valid: { m: BusMessage; report: OutcomeReport }[] = [];
    const today = this.clock().toISOString().slice(0, 10);
    for (const m of messages) {
      const reject = (reason: string, errors: Violation[], messageId?: string) => rejections.push(rejectionOf(m, 'metrics', reason, errors, messageId));
      const parsed = parseJson(m.value);
      if (!parsed.ok) {
        reject('message is not JSON', [{ path: '/', message: parsed.error }]);
        continue;
      }
      const messageId = readMessageId(parsed.value);
      const r = this.contract.validate(parsed.value);
      if (!r.ok) {
        reject('does not match outcome-report/1', r.violations, messageId);
        continue;
      }
      const domain = checkOutcome(r.value, today);
      if (domain.length) reject('identifiers or dates are invalid', domain, messageId);
      else valid.push({ m, report: r.value });
    }

    const reporters = await this.reporters.find(valid.map((v) => v.report.reporter.partnerId));
    const recorded: RecordedOutcome[] = [];
    const episodes = new Map<string, string>();
    for (const { m, report } of valid) {
      const reporter = reporters.get(report.reporter.partnerId);
      if (!reporter) {
        const errors = [{ path: '/reporter/partnerId', message: `${report.reporter.partnerId} is not a registered partner` }];
        rejections.push(rejectionOf(m, 'metrics', 'unknown reporting partner', errors, report.messageId));
        continue;
      }
      recorded.push(this.record(report, reporter));
      if (report.accompaniment.episodeId) episodes.set(`${report.reporter.partnerId}:${report.reportId}`, report.accompaniment.episodeId);
    }
    await this.deps.deadLetters.reject(rejections);
    await this.deps.store.record(recorded);
    await this.deps.followUps.onOutcomes(recorded, episodes);
  }

  private record(r: OutcomeReport, reporter: Reporter): RecordedOutcome {
    // The worker's département, else the reporter's when it covers a single one.
    const departement = r.worker.departement ?? (reporter.departements.length === 1 ? reporter.departements[0] : undefined);
    return {
      reporterId: reporter.partner_id,
      reporterCategory: reporter.category,
      reportId: r.reportId,
      messageId: r.messageId,
      personPseudonym: this.deps.pseudonymizer.person(r.worker.nir ?? r.worker.ins!.value),
      startDate: r.accompaniment.startDate,
      endDate: r.accompaniment.endDate ?? r.outcomeDate,
      outcomeDate: r.outcomeDate,
      followUpPoint: r.followUpPoint,
      outcome: r.outcome,
      measures: r.measures,
      ...(r.pyramide ? { pyramide: r.pyramide } : {}),
      ...(departement ? { departement } : {}),
      ...(r.preRepriseRequester ? { preRepriseRequester: r.preRepriseRequester } : {}),
    };
  }
}
