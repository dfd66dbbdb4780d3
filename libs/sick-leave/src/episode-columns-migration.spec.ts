import { migrate, PgliteDatabase } from '@pdp/db';
import { migrateBefore, migrationsFrom } from '../../../test/support/migrations';
import { caseEventOf, EpisodeRow } from './episode-rows';
import { EPISODE_COLUMNS } from './episode.store';

/** A database at migration 009, whose episodes keep their case event whole, then upgraded. */
describe('migration 010: an episode keeps its case event as columns', () => {
  it('gives back the stored event from the columns and the history, and the start date to SQL', async () => {
    const db = new PgliteDatabase();
    try {
      await migrateBefore(db, '010');
      const history = [
        { k: 'k-1', m: 'msg-1', t: 'initial', s: '2026-09-01', d: '2026-09-20', r: false },
        { k: 'k-2', m: 'msg-2', t: 'prolongation', s: '2026-09-21', d: '2026-10-10', r: true, c: true },
      ];
      const caseEvent = {
        schemaVersion: 'case-event/1',
        eventId: 'kept-as-computed',
        episodeId: 'ep-1',
        episodeVersion: 2,
        personPseudonym: 'p-1',
        source: 'assurance-maladie',
        sourceMessageId: 'msg-2',
        issuingCpam: '751',
        employerSiret: '12345678901234',
        workerDepartement: '75',
        nature: 'maladie',
        startDate: '2026-09-01',
        expectedEndDate: '2026-10-10',
        cumulatedDays: 40,
        prolongationCount: 1,
        pdpRisk: true,
        consentGranted: true,
        eligible: true,
        eligibilityReason: 'cumulated leave of 40 days',
        legalBasis: 'legal-obligation-L4622-2-1',
        normalizedAt: '2026-10-10T08:00:00.123Z',
      };
      await db.query(
        `INSERT INTO episodes (episode_id, person_pseudonym, source, employer_siret, version, eligible, case_event, notifications)
         VALUES ('ep-1', 'p-1', 'assurance-maladie', '12345678901234', 2, true, $1::json, $2::json)`,
        [JSON.stringify(caseEvent), JSON.stringify(history)],
      );

      expect(await migrate(db)).toEqual(migrationsFrom('010'));

      const { rows } = await db.query<EpisodeRow & { start: string }>(`SELECT ${EPISODE_COLUMNS}, e.start_date::text AS start FROM episodes e`);
      const { start, ...row } = rows[0];
      expect(start).toBe('2026-09-01');
      // The id is a digest of the episode and its version, as the normalizer computes it.
      expect(caseEventOf(row)).toEqual({ ...caseEvent, sources: ['assurance-maladie'], eventId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
      const { rows: gone } = await db.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'episodes' AND column_name = 'case_event'`);
      expect(gone).toHaveLength(0);
    } finally {
      await db.close();
    }
  });
});
