import { daysInclusive, parseIsoDate } from './dates';
import { checkIdentity } from './identity';

export interface DomainViolation {
  path: string;
  message: string;
}

/** An avis d'arrêt cannot exceed 3 years (maximum IJ duration) nor start before 2000. */
const MAX_LEAVE_DAYS = 3 * 366;
const EARLIEST = parseIsoDate('2000-01-01');

export interface LeaveShape {
  worker: { nir?: string; ins?: { value: string } };
  employer: { siret: string };
  startDate: string;
  expectedEndDate: string;
}

/** Checks what JSON Schema cannot: identifier keys and plausible dates. */
export function checkLeave(leave: LeaveShape, today: string): DomainViolation[] {
  const v = checkIdentity(leave.worker, leave.employer);
  const start = parseIsoDate(leave.startDate);
  const end = parseIsoDate(leave.expectedEndDate);
  if (Number.isNaN(start)) v.push({ path: '/startDate', message: 'is not a calendar date' });
  if (Number.isNaN(end)) v.push({ path: '/expectedEndDate', message: 'is not a calendar date' });
  if (!Number.isNaN(start) && !Number.isNaN(end)) {
    if (end < start) v.push({ path: '/expectedEndDate', message: 'is before startDate' });
    else if (daysInclusive(leave.startDate, leave.expectedEndDate) > MAX_LEAVE_DAYS) v.push({ path: '/expectedEndDate', message: 'leave longer than 3 years' });
    if (start < EARLIEST) v.push({ path: '/startDate', message: 'is before 2000-01-01' });
    if (start > parseIsoDate(today) + 366 * 86_400_000) v.push({ path: '/startDate', message: 'is more than a year in the future' });
  }
  return v;
}
