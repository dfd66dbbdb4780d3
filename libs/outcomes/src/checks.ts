import { OutcomeReport, Violation } from '@pdp/contracts';
import { checkIdentity, parseIsoDate } from '@pdp/domain';

const EARLIEST = parseIsoDate('2000-01-01');
const DAY_MS = 86_400_000;

/** What JSON Schema cannot check in an outcome report: identifier keys and coherent dates. */
export function checkOutcome(r: OutcomeReport, today: string): Violation[] {
  const v: Violation[] = checkIdentity(r.worker, r.employer);
  const start = parseIsoDate(r.accompaniment.startDate);
  const end = r.accompaniment.endDate ? parseIsoDate(r.accompaniment.endDate) : undefined;
  const outcome = parseIsoDate(r.outcomeDate);
  const latest = parseIsoDate(today) + DAY_MS;
  if (Number.isNaN(start)) v.push({ path: '/accompaniment/startDate', message: 'is not a calendar date' });
  else if (start < EARLIEST) v.push({ path: '/accompaniment/startDate', message: 'is before 2000-01-01' });
  if (end !== undefined && Number.isNaN(end)) v.push({ path: '/accompaniment/endDate', message: 'is not a calendar date' });
  if (Number.isNaN(outcome)) v.push({ path: '/outcomeDate', message: 'is not a calendar date' });
  if (!Number.isNaN(start) && end !== undefined && end < start) v.push({ path: '/accompaniment/endDate', message: 'is before startDate' });
  if (!Number.isNaN(start) && outcome < start) v.push({ path: '/outcomeDate', message: 'is before the start of the accompaniment' });
  if (outcome > latest) v.push({ path: '/outcomeDate', message: 'is in the future' });
  if (r.followUpPoint !== 'end' && end === undefined) v.push({ path: '/accompaniment/endDate', message: 'is required at a follow-up point after the end' });
  if (r.preRepriseRequester && !r.measures.includes('visite-pre-reprise')) {
    v.push({ path: '/preRepriseRequester', message: 'is given but visite-pre-reprise is not among the measures' });
  }
  return v;
}
