import { migrate, PgliteDatabase } from '@pdp/db';
import { DeliveryStore } from './delivery.store';

/** A delivered referral whose copy goes to a partner's FHIR endpoint, as the writer records it. */
async function deliveredWithFhirCopy(db: PgliteDatabase, id: string): Promise<void> {
  await db.query(
    `INSERT INTO inbox_items (item_id, partner_id, episode_id, item_type, version, idempotency_key, legal_basis, payload, status)
     VALUES ($1, 'cap-emploi-69', 'case_1', 'signalement', 1, $1 || ':1', 'consent', jsonb_build_object('deliveryId', $1::text), 'new')`,
    [id],
  );
  await db.query(
    `INSERT INTO coordination_deliveries (delivery_id, subject_type, subject_id, case_id, person_pseudonym, category, partner_id, status, reason_code, reason,
       rules_version, inbox_item_id, fhir_status, fhir_next_at)
     VALUES ($1, 'signalement', 'ref_' || $1, 'case_1', 'p', 'cap-emploi', 'cap-emploi-69', 'delivered', 'consent', 'consent', '2026.1', $1, 'pending', now())`,
    [id],
  );
}

describe('DeliveryStore: the FHIR copies’ retries', () => {
  let db: PgliteDatabase;
  const policy = { baseMs: 1_000, maxMs: 4_000, maxAttempts: 4 };
  const row = async (id: string) =>
    (
      await db.query<{ fhir_status: string; fhir_attempts: number; due_in_ms: number | null }>(
        `SELECT fhir_status, fhir_attempts, extract(epoch FROM fhir_next_at - now()) * 1000 AS due_in_ms FROM coordination_deliveries WHERE delivery_id = $1`,
        [id],
      )
    ).rows[0];

  beforeAll(async () => {
    db = new PgliteDatabase();
    await migrate(db);
    await db.query(`INSERT INTO partners (partner_id, category, name, fhir_endpoint) VALUES ('cap-emploi-69', 'cap-emploi', 'Cap emploi 69', 'https://fhir.example/fhir')`);
  });
  afterAll(() => db.close());

  it('backs off exponentially with jitter, up to the cap, then gives up after the last attempt', async () => {
    const store = new DeliveryStore(db, policy);
    await deliveredWithFhirCopy(db, 'dec_backoff');
    const delays: number[] = [];
    for (let attempt = 1; attempt < policy.maxAttempts; attempt++) {
      expect(await store.recordFhirResults([{ id: 'dec_backoff', status: 'failed', task: null }])).toEqual({ givenUp: [] });
      const r = await row('dec_backoff');
      expect(r).toMatchObject({ fhir_status: 'failed', fhir_attempts: attempt });
      delays.push(Number(r.due_in_ms));
    }
    // 1 s, 2 s, 4 s (the cap), each within ±25 %.
    [1_000, 2_000, 4_000].forEach((d, i) => {
      expect(delays[i]).toBeGreaterThan(d * 0.74);
      expect(delays[i]).toBeLessThan(d * 1.26);
    });
    expect(await store.recordFhirResults([{ id: 'dec_backoff', status: 'failed', task: null }])).toEqual({ givenUp: ['dec_backoff'] });
    expect(await row('dec_backoff')).toMatchObject({ fhir_status: 'failed', fhir_attempts: policy.maxAttempts, due_in_ms: null });
    // Given up, it is no longer due; ops push it again from a first attempt.
    expect(await store.claimDueFhir(10, 60_000)).toEqual([]);
    expect((await store.pendingFhir(10)).map((p) => p.payload.deliveryId)).toEqual(['dec_backoff']);
    expect((await row('dec_backoff')).fhir_attempts).toBe(0);
    await store.recordFhirResults([{ id: 'dec_backoff', status: 'delivered', task: 'Task/1' }]);
    expect(await row('dec_backoff')).toMatchObject({ fhir_status: 'delivered', due_in_ms: null });
  });

  it('claims only the copies that are due, each once until its lease ends', async () => {
    const store = new DeliveryStore(db, policy);
    await deliveredWithFhirCopy(db, 'dec_due');
    const claimed = await store.claimDueFhir(10, 60_000);
    expect(claimed.map((c) => c.payload.deliveryId)).toEqual(['dec_due']);
    expect(claimed[0]).toMatchObject({ fhir_endpoint: 'https://fhir.example/fhir', category: 'cap-emploi', case_id: 'case_1' });
    expect(await store.claimDueFhir(10, 60_000)).toEqual([]);
    expect(Number((await row('dec_due')).due_in_ms)).toBeGreaterThan(55_000);
  });
});
