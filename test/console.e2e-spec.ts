import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { Browser, chromium, Page } from 'playwright-core';
import { INestApplication } from '@nestjs/common';
import { loadConfig } from '@pdp/config';
import { Database, DATABASE } from '@pdp/db';
import { consoleDir } from '@pdp/http';
import { runHub } from '../apps/hub/src/hub.module';
import { eventually, testLogs } from './support/harness';

/** Debian's chromium, never a downloaded build (docs/operations.md, "Console"). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(__dirname, '..', 'test-artifacts', 'console');
const ADMIN_KEY = 'demo-admin-key';
/** A NIR (or INS-NIR) anywhere in a page: none may show outside a partner's entitled read. */
const NIR_LIKE = /\b[12]\d{12}\d{2}\b/;

/**
 * The console served by `npm start`'s hub with its demo data, clicked through in a real browser
 * by each of its users: ops, analyst, partner and admin. Screenshots are kept in
 * test-artifacts/console/.
 */
describe('console in a real browser (Debian chromium, playwright-core)', () => {
  let app: INestApplication;
  let url: string;
  let browser: Browser;
  let partnerKey: string;
  const credentials: Record<string, { clientId: string; clientSecret: string }> = {};
  const http = () => request(app.getHttpServer());
  const admin = (req: request.Test) => req.set('X-Api-Key', ADMIN_KEY);

  beforeAll(async () => {
    if (!consoleDir()) throw new Error('the console is not built: npm test runs `npm run build:console` first');
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    mkdirSync(SHOTS, { recursive: true });
    const config = loadConfig({ ADMIN_API_KEY: ADMIN_KEY, PSEUDONYM_KEY: 'e2e-console-pseudonym-key-0123456789', DEMO_DATA: 'true', API_KEYS_ENABLED: 'true', PORT: '0', ...testLogs() });
    const hub = await runHub(config);
    app = hub.app;
    url = hub.url;
    // The demo is processed in the background: wait until its figures clear the masking threshold.
    await eventually(
      async () => {
        const t = (await admin(http().get('/v1/metrics/maintiens?period=year')).expect(200)).body;
        return (t.total.values?.deduplicated ?? 0) > 1000;
      },
      'the demo processed',
      180_000,
    );
    for (const [accountId, role] of [
      ['olga', 'ops'],
      ['anatole', 'analyst'],
    ]) {
      const created = await admin(http().post('/v1/accounts')).send({ accountId, role, name: accountId }).expect(201);
      credentials[role] = created.body.credential;
    }
    // An SPSTI of the demo with sick-leave alerts in its inbox.
    for (const p of hub.demo!.partnerKeys.filter((k) => k.category === 'spsti')) {
      const items = (await http().get('/v1/inbox?limit=1').set('X-Api-Key', p.apiKey).expect(200)).body.items;
      if (items.length) {
        partnerKey = p.apiKey;
        break;
      }
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const open = async (): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    page.on('pageerror', (e) => {
      throw e;
    });
    await page.goto(`${url}/`);
    return page;
  };
  const signInWithClient = async (page: Page, c: { clientId: string; clientSecret: string }) => {
    await page.getByTestId('client-id').fill(c.clientId);
    await page.getByTestId('secret').fill(c.clientSecret);
    await page.getByTestId('sign-in').click();
  };
  const signInWithKey = async (page: Page, key: string) => {
    await page.getByTestId('mode-key').check();
    await page.getByTestId('secret').fill(key);
    await page.getByTestId('sign-in').click();
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it('serves the console at / with a policy that runs only its own scripts', async () => {
    const res = await http().get('/').expect(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const page = await open();
    await page.getByTestId('login').waitFor();
    // A wrong secret is refused with the token endpoint's reason.
    await signInWithClient(page, { clientId: credentials.ops.clientId, clientSecret: 'wrong' });
    await page.getByRole('alert').waitFor();
    await shot(page, '0-login-refused');
    await page.close();
  });

  it('ops: live flows, dead letters masked and replayed (audited), parked items, message traces', async () => {
    const page = await open();
    await signInWithClient(page, credentials.ops);
    await page.getByTestId('who').getByText('olga (ops)').waitFor();
    expect(await page.getByTestId('nav-admin').count()).toBe(0);
    await page.getByTestId('published').locator('tbody tr').first().waitFor();
    expect(await page.getByTestId('published').innerText()).toContain('pdp.sick-leave.inbound.v1');
    await page.getByTestId('inboxes').locator('tbody tr').first().waitFor();
    await page.waitForTimeout(3500); // two scrapes: the throughput chart has a point
    await shot(page, '1-ops-overview');

    await page.getByTestId('ops-tab-dead').click();
    const rows = page.getByTestId('dead-letter-table').locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(25);
    await page.getByTestId('next-page').click();
    await page.getByTestId('page-number').getByText('page 2').waitFor();
    await rows.first().waitFor();
    // A dead letter's payload, opened: the shape and the reason, never the identity.
    await rows.first().locator('td').nth(4).click();
    const detail = page.getByTestId('dead-letter-detail');
    await detail.waitFor();
    expect(NIR_LIKE.test(await detail.innerText())).toBe(false);
    await shot(page, '2-ops-dead-letter');
    // Replay the first one of the page.
    const id = (await rows.first().locator('input[type=checkbox]').getAttribute('aria-label'))!.replace('select ', '');
    await rows.first().locator('input[type=checkbox]').check();
    await page.getByTestId('replay-selected').click();
    await page.getByTestId('replay-outcome').getByText('1 replayed').waitFor();
    const audit = await app.get<Database>(DATABASE).query<{ actor: string }>("SELECT actor FROM audit_log WHERE action = 'dead-letter-replayed' AND subject_id = $1", [id]);
    expect(audit.rows).toEqual([{ actor: 'olga' }]);
    const listed = (await admin(http().get(`/v1/ops/dead-letters?replayed=true`)).expect(200)).body.items;
    expect(listed).toContainEqual(expect.objectContaining({ deadLetterId: id, replayedBy: 'olga' }));

    await page.getByTestId('ops-tab-parked').click();
    await page.getByTestId('parked-table').locator('tbody tr').first().waitFor();
    await shot(page, '3-ops-parked-withheld');

    await page.getByTestId('ops-tab-messages').click();
    await page.getByTestId('filter-kind').selectOption('signalement');
    await page.getByTestId('messages-table').locator('tbody tr').first().waitFor();
    await page.getByTestId('messages-table').locator('tbody tr').first().click();
    await page.getByTestId('trace').waitFor();
    expect(await page.getByTestId('trace').innerText()).toContain('"kind": "signalement"');
    await shot(page, '4-ops-messages');
    expect(NIR_LIKE.test(await page.content())).toBe(false);
    await page.close();
  });

  it('analyst: unmasked national and regional figures as charts, filters, CSV export, no person-level data', async () => {
    const page = await open();
    await signInWithClient(page, credentials.analyst);
    await page.getByTestId('who').getByText('anatole (analyst)').waitFor();
    expect(await page.getByTestId('nav-ops').count()).toBe(0);
    const total = page.getByTestId('maintiens-total');
    await total.waitFor();
    const deduplicated = Number((await total.locator('strong').first().innerText()).replace(/\D/g, ''));
    expect(deduplicated).toBeGreaterThan(1000);
    // Raw and deduplicated lines, bars per région.
    await page.getByTestId('chart-maintiens').locator('.recharts-line').nth(1).waitFor();
    await page.getByTestId('chart-regions').locator('.recharts-bar-rectangle').first().waitFor();
    expect(await page.getByTestId('chart-regions').locator('.recharts-legend-item').count()).toBeGreaterThanOrEqual(6);
    await page.getByTestId('table-timeliness').locator('tbody tr').first().waitFor();
    await shot(page, '5-analyst-national');
    // One région: its figures, still unmasked by year.
    await page.getByTestId('analyst-region').selectOption('84');
    await page.getByTestId('chart-regions').locator('.recharts-legend-item').getByText('Auvergne-Rhône-Alpes').waitFor();
    expect(await page.getByTestId('chart-regions').locator('.recharts-legend-item').count()).toBe(1);
    await page.getByTestId('chart-regions').locator('.recharts-bar-rectangle').first().waitFor();
    await shot(page, '6-analyst-region');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('chart-maintiens-csv').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\n')[0]).toMatch(/period/);
    expect(csv.split('\n').length).toBeGreaterThan(3);
    expect(NIR_LIKE.test(await page.content())).toBe(false);
    await page.close();
  });

  it("partner: its inbox, the worker an alert is about (an audited read), the case's timeline, the acknowledgement", async () => {
    const page = await open();
    await signInWithKey(page, partnerKey);
    const rows = page.getByTestId('inbox-table').locator('tbody tr');
    await rows.first().waitFor();
    const before = await rows.count();
    await rows.first().click();
    await page.getByTestId('worker').waitFor();
    expect(await page.getByTestId('worker').innerText()).toMatch(/"(nir|ins)"/);
    await page.getByTestId('open-case').click();
    await page.getByTestId('timeline').waitFor();
    await shot(page, '7-partner-inbox');
    await page.getByTestId('ack').click();
    await page.getByTestId('inbox-item').waitFor({ state: 'detached' });
    if (before < 25) expect(await rows.count()).toBe(before - 1);
    await page.close();
  });

  it('admin: partners, accounts and the audit chain', async () => {
    const page = await open();
    await signInWithKey(page, ADMIN_KEY);
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('partners-table').locator('tbody tr').first().waitFor();
    expect(await page.getByTestId('partners-table').locator('tbody tr').count()).toBe(50);
    expect(await page.getByTestId('accounts-table').innerText()).toContain('olga');
    await page.getByTestId('verify-chain').click();
    await page.getByTestId('chain').getByText('"ok": true').waitFor();
    await shot(page, '8-admin');
    await page.close();
  });
});
