import { daysInclusive } from './dates';

/** One notification as kept for its episode (an initial avis and its prolongations). */
export interface EpisodeNotification {
  leaveId: string;
  kind: 'initial' | 'prolongation' | 'employer-declaration';
  startDate: string;
  expectedEndDate: string;
  pdpRisk: boolean;
  consentGranted?: boolean;
}

/** Who reported a leave: the insurer (avis d'arrêt de travail) or the employer (its declaration). */
export type LeaveSource = 'assurance-maladie' | 'employer';

export interface EpisodeSummary {
  /**
   * Every source that reported the leave, the insurer first: an employer's declaration and the
   * insurer's notification of the same leave make one episode (docs/domain.md, "One leave, two sources").
   */
  sources: [LeaveSource, ...LeaveSource[]];
  startDate: string;
  expectedEndDate: string;
  cumulatedDays: number;
  prolongationCount: number;
  pdpRisk: boolean;
  consentGranted?: boolean;
  version: number;
}

/**
 * Merges an episode's notifications whatever their arrival order: the episode runs from the
 * earliest start to the latest expected end. Order-independent, so replays give the same result.
 */
export function summarizeEpisode(notifications: EpisodeNotification[]): EpisodeSummary {
  if (notifications.length === 0) throw new Error('an episode has at least one notification');
  let start = notifications[0].startDate;
  let end = notifications[0].expectedEndDate;
  let pdpRisk = false;
  let consentGranted: boolean | undefined;
  let byInsurer = false;
  let byEmployer = false;
  for (const n of notifications) {
    if (n.kind === 'employer-declaration') byEmployer = true;
    else byInsurer = true;
    if (n.startDate < start) start = n.startDate;
    if (n.expectedEndDate > end) end = n.expectedEndDate;
    pdpRisk ||= n.pdpRisk;
    if (n.consentGranted !== undefined) consentGranted = (consentGranted ?? false) || n.consentGranted;
  }
  const sources: EpisodeSummary['sources'] = byInsurer ? (byEmployer ? ['assurance-maladie', 'employer'] : ['assurance-maladie']) : ['employer'];
  return {
    sources,
    startDate: start,
    expectedEndDate: end,
    cumulatedDays: daysInclusive(start, end),
    prolongationCount: notifications.filter((n) => n.kind === 'prolongation').length,
    pdpRisk,
    consentGranted,
    version: notifications.length,
  };
}
