import request from 'supertest';
import { Topics } from '@pdp/contracts';
import { eventually, HubUnderTest, startDistributedHub, startEmbeddedHub } from './support/harness';
import { sickLeave, siretOf } from './support/fixtures';
import { documented } from './support/openapi-responses';

const ITEMS = 3000;
const PAGE = 400;

interface Page {
  items: { itemId: string; schema: string; version: number; status: string; updatedAt: string }[];
  nextCursor: string | null;
}

/**
 * An SPSTI's software reads an inbox of several thousand items page by page with cursors, in a
 * stable order, sees an updated item again further on, starts after an instant with `since`, and
 * saves a round trip with the ETag.
 */
function inboxCursorScenario(start: () => Promise<HubUnderTest>): void {
  let hub: HubUnderTest;
  const A = { partnerId: 'spsti-cursor', apiKey: 'key-spsti-cursor-0123456789' };
  /** The test number of the leave behind each message id, to prolong an item's leave. */
  const leaveOfMessage = new Map<string, number>();
  const http = () => request(hub.http.getHttpServer());
  const admin = (req: request.Test) => req.set('X-Api-Key', hub.adminKey);
  const page = async (query: string) => (await http().get(`/v1/inbox?${query}`).set('X-Api-Key', A.apiKey).expect(200)).body as Page;
  const walk = async (query: string) => {
    const seen: Page['items'] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p: Page = await page(`${query}&limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...p.items);
      cursor = p.nextCursor;
      pages++;
    } while (cursor && pages < ITEMS);
    return { seen, pages };
  };

  beforeAll(async () => {
    hub = await start();
    await admin(http().post('/v1/partners'))
      .send({ ...A, category: 'spsti', name: 'SPSTI cursor', departements: ['69'] })
      .expect(201);
    await admin(http().post('/v1/directory/adhesions'))
      .send([{ siret: siretOf(7), spstiId: A.partnerId, validFrom: '2020-01-01' }])
      .expect(201);
    for (let n = 0; n < ITEMS; n++) {
      const leave = sickLeave({ n: 1000 + n, leaveId: `aat-cursor-${n}`, employer: { siret: siretOf(7) }, pdpRisk: true });
      leaveOfMessage.set(leave.messageId, n);
      await hub.publish(Topics.sickLeaveInbound, leave.leaveId, JSON.stringify(leave));
    }
    await eventually(async () => (await walk('status=all')).seen.length === ITEMS, `${ITEMS} items delivered`, 120_000);
  }, 240_000);
  afterAll(() => hub?.close());

  it('walks every item once, in a stable order, each naming its schema', async () => {
    const { seen, pages } = await walk('status=pending');
    expect(seen).toHaveLength(ITEMS);
    expect(new Set(seen.map((i) => i.itemId)).size).toBe(ITEMS);
    expect(pages).toBe(Math.ceil(ITEMS / PAGE) + (ITEMS % PAGE === 0 ? 1 : 0));
    expect(seen.every((i) => i.schema === 'inbox-delivery/1')).toBe(true);
    // Ordered by the time each item was last written (the cursor keeps it to the microsecond).
    for (let i = 1; i < seen.length; i++) expect(seen[i - 1].updatedAt <= seen[i].updatedAt).toBe(true);
    // The same walk again gives the same pages.
    expect((await walk('status=pending')).seen.map((i) => i.itemId)).toEqual(seen.map((i) => i.itemId));
  });

  it('shows an updated item again after the cursor, and starts after an instant with since', async () => {
    const first = (await page(`status=pending&limit=${PAGE}`)).items;
    const cursorAtEnd = (await walk('status=pending')).seen.at(-1)!;
    const mark = new Date(Date.parse(cursorAtEnd.updatedAt) + 1).toISOString();
    // A prolongation of the first item's leave: a new version of that item, now last in the order.
    const target = first[0];
    const delivered = (await http().get(`/v1/inbox/${target.itemId}`).set('X-Api-Key', A.apiKey).expect(200)).body;
    const leaveOf = leaveOfMessage.get(delivered.delivery.caseEvent.sourceMessageId)!;
    const prolongation = sickLeave({
      n: 1000 + leaveOf,
      leaveId: `aat-cursor-${leaveOf}-p1`,
      kind: 'prolongation',
      initialLeaveId: `aat-cursor-${leaveOf}`,
      employer: { siret: siretOf(7) },
      startDate: '2026-10-16',
      expectedEndDate: '2026-11-15',
      pdpRisk: true,
    });
    await hub.publish(Topics.sickLeaveInbound, prolongation.leaveId, JSON.stringify(prolongation));
    const since = await eventually(async () => {
      const p = await page(`status=pending&since=${encodeURIComponent(mark)}`);
      return p.items.length === 1 ? p : undefined;
    }, 'the updated item after the instant');
    expect(since.items[0]).toMatchObject({ itemId: target.itemId, version: 2, status: 'updated' });
    const again = await walk('status=pending');
    expect(again.seen).toHaveLength(ITEMS);
    expect(again.seen.at(-1)!.itemId).toBe(target.itemId);
  });

  it('answers 304 to a page or an item whose ETag the reader has, and refuses a forged cursor', async () => {
    const res = await documented(await http().get(`/v1/inbox?limit=10`).set('X-Api-Key', A.apiKey).expect(200), 'GET /v1/inbox');
    await http().get(`/v1/inbox?limit=10`).set('X-Api-Key', A.apiKey).set('If-None-Match', res.headers.etag).expect(304);
    const item = res.body.items[0];
    const one = await documented(await http().get(`/v1/inbox/${item.itemId}`).set('X-Api-Key', A.apiKey).expect(200), 'GET /v1/inbox/{itemId}');
    expect(one.body.worker).toMatchObject({ birthName: 'DUPONT' });
    await http().get(`/v1/inbox/${item.itemId}`).set('X-Api-Key', A.apiKey).set('If-None-Match', one.headers.etag).expect(304);
    const bad = await http().get('/v1/inbox?cursor=not-a-cursor').set('X-Api-Key', A.apiKey).expect(400);
    expect(bad.body.errors).toEqual([{ path: 'cursor', message: 'is not a cursor this inbox gave' }]);
    await http().get('/v1/inbox?since=yesterday').set('X-Api-Key', A.apiKey).expect(400);
  });
}

describe('inbox cursors', () => {
  describe('embedded', () => inboxCursorScenario(() => startEmbeddedHub()));
  describe('distributed (Kafka + PostgreSQL)', () => inboxCursorScenario(() => startDistributedHub()));
});
