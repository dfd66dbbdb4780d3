import { PgliteDatabase } from './pglite-database';
import { migrateBefore } from '../../../test/support/migrations';

/** A database at migration 008, with jsonb documents, then upgraded to 009 (010 drops the case event). */
describe('migration 009: case events, histories and deliveries stored as json', () => {
  it('keeps every document as it was, and the queries that look inside them still answer', async () => {
    const db = new PgliteDatabase();
    try {
      await migrateBefore(db, '009');
      const caseEvent = { episodeId: 'ep-1', startDate: '2026-09-01', eligibilityReason: 'cumulated leave of 40 days', cumulatedDays: 40, pdpRisk: false };
      const history = [{ k: 'k-1', m: 'msg-1', t: 'initial', s: '2026-09-01', d: '2026-09-20', r: false }];
      const delivery = { deliveryId: 'itm_1', caseEvent: { ...caseEvent, personPseudonym: 'p-1' } };
      await db.query(
        `INSERT INTO episodes (episode_id, person_pseudonym, source, employer_siret, version, eligible, case_event, notifications)
         VALUES ('ep-1', 'p-1', 'assurance-maladie', '12345678901234', 1, true, $1::jsonb, $2::jsonb)`,
        [JSON.stringify(caseEvent), JSON.stringify(history)],
      );
      await db.query(`INSERT INTO partners (partner_id, category, name) VALUES ('spsti-a', 'spsti', 'SPSTI A')`);
      await db.query(
        `INSERT INTO inbox_items (item_id, partner_id, episode_id, item_type, version, idempotency_key, legal_basis, payload, status)
         VALUES ('itm_1', 'spsti-a', 'ep-1', 'sick-leave', 1, 'itm_1:1', 'consent', $1::jsonb, 'new')`,
        [JSON.stringify(delivery)],
      );

      await migrateBefore(db, '010');
      expect((await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version DESC LIMIT 1')).rows[0].version).toBe('009_documents_as_json.sql');

      const { rows: types } = await db.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
          WHERE (table_name = 'episodes' AND column_name IN ('case_event', 'notifications')) OR (table_name = 'inbox_items' AND column_name = 'payload')
          ORDER BY column_name`,
      );
      expect(types).toEqual([
        { column_name: 'case_event', data_type: 'json' },
        { column_name: 'notifications', data_type: 'json' },
        { column_name: 'payload', data_type: 'json' },
      ]);
      const { rows } = await db.query<{ case_event: unknown; notifications: unknown; reason: string; start: string; payload: unknown; person: string }>(
        `SELECT e.case_event, e.notifications, e.case_event->>'eligibilityReason' AS reason, (e.case_event->>'startDate')::date::text AS start,
                i.payload, i.payload->'caseEvent'->>'personPseudonym' AS person
           FROM episodes e JOIN inbox_items i ON i.episode_id = e.episode_id`,
      );
      expect(rows).toEqual([{ case_event: caseEvent, notifications: history, reason: caseEvent.eligibilityReason, start: '2026-09-01', payload: delivery, person: 'p-1' }]);
      // A new episode without a history gets an empty one.
      await db.query(`INSERT INTO episodes (episode_id, person_pseudonym, source, employer_siret, version, eligible, case_event) VALUES ('ep-2', 'p-2', 'employer', '12345678901234', 1, false, '{}')`);
      expect((await db.query<{ n: number }>(`SELECT json_array_length(notifications) AS n FROM episodes WHERE episode_id = 'ep-2'`)).rows[0].n).toBe(0);
    } finally {
      await db.close();
    }
  });
});
