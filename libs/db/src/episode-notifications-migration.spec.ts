import { PgliteDatabase } from './pglite-database';
import { migrate } from './migrate';
import { migrateBefore, migrationsFrom } from '../../../test/support/migrations';

/** A database at migration 006, with a notification log, then upgraded to the current schema. */
describe('migration 007: an episode keeps its notifications, every message stays traceable', () => {
  it('moves the log into the episodes and the message ids (duplicates included) into leave_messages', async () => {
    const db = new PgliteDatabase();
    try {
      await migrateBefore(db, '007');
      await db.query(
        `INSERT INTO episodes (episode_id, person_pseudonym, source, employer_siret, version, eligible, case_event)
         VALUES ('ep-1', 'p-1', 'assurance-maladie', '12345678901234', 2, true, '{"eligibilityReason":"x"}')`,
      );
      await db.query(
        `INSERT INTO leave_notifications (notification_key, episode_id, source_message_id, kind, start_date, expected_end_date, pdp_risk, consent_granted, received_at)
         VALUES ('k-1', 'ep-1', 'msg-1', 'initial', '2026-09-01', '2026-09-20', false, NULL, '2026-09-02T00:00:00Z'),
                ('k-2', 'ep-1', 'msg-2', 'prolongation', '2026-09-21', '2026-10-10', true, true, '2026-09-22T00:00:00Z')`,
      );
      await db.query(`INSERT INTO duplicate_notifications (message_id, notification_key) VALUES ('msg-1-again', 'k-1')`);

      expect(await migrate(db)).toEqual(migrationsFrom('007'));

      const { rows: episodes } = await db.query<{ notifications: unknown }>(`SELECT notifications FROM episodes WHERE episode_id = 'ep-1'`);
      expect(episodes[0].notifications).toEqual([
        { k: 'k-1', m: 'msg-1', t: 'initial', s: '2026-09-01', d: '2026-09-20', r: false },
        { k: 'k-2', m: 'msg-2', t: 'prolongation', s: '2026-09-21', d: '2026-10-10', r: true, c: true },
      ]);
      const { rows: messages } = await db.query<{ message_id: string; episode_id: string; duplicate_of: string | null }>(
        'SELECT message_id, episode_id, duplicate_of FROM leave_messages ORDER BY message_id',
      );
      expect(messages).toEqual([
        { message_id: 'msg-1', episode_id: 'ep-1', duplicate_of: null },
        { message_id: 'msg-1-again', episode_id: 'ep-1', duplicate_of: 'msg-1' },
        { message_id: 'msg-2', episode_id: 'ep-1', duplicate_of: null },
      ]);
      const { rows: gone } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('leave_notifications', 'duplicate_notifications')`);
      expect(gone[0].n).toBe(0);
    } finally {
      await db.close();
    }
  });
});
