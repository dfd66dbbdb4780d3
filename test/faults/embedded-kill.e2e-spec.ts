import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from '../support/scripts';
import { sickLeave, siretOf } from '../support/fixtures';
import { reportFault } from '../support/fault-report';
import { buildServices, ServiceProcess } from '../support/services';

const ADMIN = 'faults-admin-key-0123456789';
const INSURER = { partnerId: 'cpam-69', apiKey: 'key-cpam-69-0123456789', category: 'cpam', name: 'CPAM du Rhône', departements: ['69'] };
const SPSTI = { partnerId: 'spsti-a', apiKey: 'key-spsti-a-0123456789', category: 'spsti', name: 'SPSTI A', departements: ['69'] };
const KILLS = 3;
const TERMINAL = new Set(['delivered', 'not-eligible', 'parked', 'dead-lettered']);

/**
 * `npm start`'s hub keeping its data (EMBEDDED_DATA_DIR) is killed with SIGKILL in the middle of
 * a burst of sick leaves, three times, then restarted: every leave answered 202 must reach a
 * terminal state, and each SPSTI item exist once (docs/faults.md).
 */
describe('fault: kill -9 of the embedded hub under load', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pdp-embedded-kill-'));
  let port = 0;
  let hub: ServiceProcess | undefined;
  const url = (p: string) => `http://127.0.0.1:${port}${p}`;
  const call = (method: string, p: string, key: string, body?: unknown) =>
    fetch(url(p), { method, headers: { 'X-Api-Key': key, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });

  /** `npm start`'s hub on a new port, on the same data directory. */
  async function start(): Promise<void> {
    port = await freePort();
    // The embedded mode: no broker, no server (the e2e setup exports the test broker's address).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'KAFKA_BROKERS' && k !== 'DATABASE_URL'));
    hub = new ServiceProcess(
      'hub',
      { ...env, EMBEDDED_DATA_DIR: path.join(dir, 'db'), PORT: String(port), HOST: '127.0.0.1', DEMO_DATA: 'false', ADMIN_API_KEY: ADMIN, API_KEYS_ENABLED: 'true', LOG_LEVEL: 'warn' },
      { probe: url('/health/ready') },
    );
    hub.start();
    await hub.ready();
  }

  async function kill(): Promise<void> {
    await hub?.kill();
    hub = undefined;
  }

  beforeAll(async () => {
    await buildServices();
    await start();
    for (const p of [INSURER, SPSTI]) expect((await call('POST', '/v1/partners', ADMIN, p)).status).toBe(201);
    expect((await call('POST', '/v1/directory/adhesions', ADMIN, [{ siret: siretOf(1), spstiId: SPSTI.partnerId, validFrom: '2020-01-01' }])).status).toBe(201);
  }, 300_000);

  afterAll(async () => {
    if (hub) await kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 202 only for what survives: every accepted leave ends in a terminal state, once', async () => {
    const accepted: string[] = [];
    let sent = 0;
    let n = 0;
    for (let round = 0; round < KILLS; round++) {
      if (!hub) await start();
      let killing = false;
      // Eight senders until the kill; a request cut by it is not accepted (no 202), whatever became of it.
      const sender = async () => {
        while (!killing && sent < (round + 1) * 2_000) {
          const leave = sickLeave({ n: ++n });
          sent++;
          const r = await call('POST', '/v1/sick-leaves', INSURER.apiKey, leave).catch(() => undefined);
          if (r?.status === 202) accepted.push(leave.messageId);
        }
      };
      const senders = Array.from({ length: 8 }, sender);
      const before = accepted.length;
      const since = Date.now();
      while (accepted.length < before + 100 && Date.now() - since < 30_000) await new Promise((r) => setTimeout(r, 20));
      killing = true;
      await kill();
      await Promise.all(senders);
    }
    await start();

    const states = new Map<string, string>();
    const deadline = Date.now() + 120_000;
    while (states.size < accepted.length && Date.now() < deadline) {
      for (const id of accepted.filter((m) => !states.has(m))) {
        const r = await call('GET', `/v1/messages/${encodeURIComponent(id)}`, ADMIN);
        const status = r.status === 200 ? ((await r.json()) as { status: string }).status : 'unknown';
        if (TERMINAL.has(status)) states.set(id, status);
      }
      if (states.size < accepted.length) await new Promise((r) => setTimeout(r, 500));
    }
    // Each delivered leave is one item in the SPSTI's inbox, once.
    const items: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await (await call('GET', `/v1/inbox?status=all&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, SPSTI.apiKey)).json()) as {
        items: { itemId: string }[];
        nextCursor?: string | null;
      };
      items.push(...page.items.map((i) => i.itemId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const terminal: Record<string, number> = {};
    for (const s of states.values()) terminal[s] = (terminal[s] ?? 0) + 1;
    const lost = accepted.length - states.size;
    const duplicated = items.length - new Set(items).size;
    reportFault('embedded-kill', { fault: `kill -9 of the embedded hub (×${KILLS}) during a burst of sick leaves`, sent, accepted: accepted.length, terminal, lost, duplicated });

    expect(accepted.length).toBeGreaterThanOrEqual(KILLS * 100);
    expect(accepted.filter((m) => !states.has(m)).slice(0, 5)).toEqual([]);
    expect(duplicated).toBe(0);
    expect(items.length).toBeGreaterThanOrEqual(terminal.delivered ?? 0);
  }, 600_000);
});
