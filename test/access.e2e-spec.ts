import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { decodeProtectedHeader } from 'jose';
import { InboxDelivery } from '@pdp/contracts';
import { caseIdOf } from '@pdp/domain';
import { eventually, HubUnderTest, startEmbeddedHub } from './support/harness';
import { sickLeave, siretOf } from './support/fixtures';

type Who = 'spsti' | 'insurer' | 'admin' | 'ops' | 'analyst' | 'sender';
const EVERYONE: Who[] = ['spsti', 'insurer', 'admin', 'ops', 'analyst', 'sender'];
const PARTNERS: Who[] = ['spsti', 'insurer'];
const OPS: Who[] = ['ops', 'admin'];
const AGGREGATES: Who[] = ['spsti', 'insurer', 'analyst', 'ops', 'admin'];

/**
 * Who may call each route (docs/security.md, "Roles"). Every route the hub serves must be here:
 * a new route fails this test until its access is decided.
 */
const MATRIX: Record<string, Who[] | 'public'> = {
  'GET /health': 'public',
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'public',
  'POST /oauth/token': 'public',
  'GET /.well-known/jwks.json': 'public',
  'GET /v1/session': ['spsti', 'insurer', 'admin', 'ops', 'analyst', 'sender'],
  'GET /v1/accounts': ['admin'],
  'POST /v1/accounts': ['admin'],
  'POST /v1/accounts/:accountId/credentials': ['admin'],
  'POST /v1/partners': ['admin'],
  'GET /v1/partners': ['admin'],
  'POST /v1/partners/:partnerId/credentials': ['admin'],
  'POST /v1/partners/import-fhir': ['admin'],
  'POST /v1/directory/adhesions': ['admin'],
  'GET /v1/directory/adhesions/:siret': ['admin'],
  'GET /v1/audit/cases/:caseId': ['admin'],
  'GET /v1/audit/partners/:partnerId': ['admin'],
  'GET /v1/audit/verify': ['admin'],
  'POST /v1/audit/disclosures': ['admin'],
  'POST /v1/ops/routing-rules/reload': ['admin'],
  'POST /v1/consents/import-fhir': ['admin'],
  'GET /v1/inbox': PARTNERS,
  'GET /v1/inbox/:itemId': PARTNERS,
  'POST /v1/inbox/:itemId/ack': PARTNERS,
  'POST /v1/sick-leaves': ['insurer'],
  'POST /v1/employer-leave-declarations': ['sender'],
  'GET /v1/messages/:messageId': OPS,
  'GET /v1/ops/dead-letters': OPS,
  'GET /v1/ops/parked': OPS,
  'GET /v1/ops/withheld': OPS,
  'GET /v1/ops/messages': OPS,
  'GET /v1/ops/dead-letters/:deadLetterId': OPS,
  'POST /v1/ops/dead-letters/replay': OPS,
  'GET /v1/ops/dead-letters/:deadLetterId/original': ['admin'],
  'POST /v1/ops/retention/sweep': OPS,
  'POST /v1/erasures': ['admin'],
  'GET /v1/erasures': ['admin'],
  'POST /v1/ops/fhir/retry': OPS,
  'GET /v1/webhook': PARTNERS,
  'PUT /v1/webhook': PARTNERS,
  'DELETE /v1/webhook': PARTNERS,
  'POST /v1/webhook/secret': PARTNERS,
  'GET /v1/partners/:partnerId/webhook': ['admin'],
  'PUT /v1/partners/:partnerId/webhook': ['admin'],
  'DELETE /v1/partners/:partnerId/webhook': ['admin'],
  'POST /v1/partners/:partnerId/webhook/secret': ['admin'],
  'GET /v1/ops/pushes': OPS,
  'POST /v1/ops/pushes/replay': OPS,
  'GET /v1/ops/routing-rules': OPS,
  'POST /v1/cases/:caseId/chef-de-file/admin': OPS,
  'POST /v1/signalements': PARTNERS,
  'GET /v1/signalements/:signalementId/status': PARTNERS,
  'POST /v1/accompaniment-reports': PARTNERS,
  'POST /v1/consents': PARTNERS,
  'POST /v1/consents/fhir': PARTNERS,
  'GET /v1/cases/:caseRef/timeline': PARTNERS,
  'POST /v1/cases/:caseId/chef-de-file': PARTNERS,
  'POST /v1/outcomes': PARTNERS,
  'GET /v1/follow-ups': PARTNERS,
  'POST /v1/follow-ups/sweep': OPS,
  'GET /v1/metrics/maintiens': AGGREGATES,
  'GET /v1/metrics/outcomes': AGGREGATES,
  'GET /v1/metrics/measures': AGGREGATES,
  'GET /v1/metrics/overlap': AGGREGATES,
  'GET /v1/metrics/orientations': AGGREGATES,
  'GET /v1/metrics/timeliness': AGGREGATES,
  'GET /v1/metrics/follow-ups': AGGREGATES,
  'POST /v1/metrics/rebuild': OPS,
  'POST /v1/metrics/snapshots': OPS,
};

/**
 * Authentication and roles on the hub as a deployment runs it: no API keys, operators named in
 * an accounts file, partners with the client credentials issued at registration.
 */
describe('access: every caller authenticated, every role bounded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pdp-access-'));
  const accountsFile = join(dir, 'accounts.json');
  writeFileSync(accountsFile, JSON.stringify({ accounts: [{ accountId: 'alice', role: 'admin', name: 'Alice Martin', secretEnv: 'PDP_SECRET_ALICE' }] }));
  const ALICE_SECRET = 'alice-secret-' + Date.now();
  let hub: HubUnderTest;
  const tokens = {} as Record<Who | 'otherSpsti', string>;
  const credentials = {} as Record<string, { clientId: string; clientSecret: string }>;
  let itemOfA: { itemId: string; delivery: InboxDelivery };
  const leave = sickLeave({ n: 1, leaveId: 'aat-access-1', employer: { siret: siretOf(1) } });

  const http = () => request(hub.http.getHttpServer());
  const tokenFor = async (c: { clientId: string; clientSecret: string }) =>
    (await http().post('/oauth/token').auth(c.clientId, c.clientSecret).type('form').send({ grant_type: 'client_credentials' }).expect(200)).body.access_token as string;
  const as = (who: keyof typeof tokens) => (req: request.Test) => req.set('Authorization', `Bearer ${tokens[who]}`);

  beforeAll(async () => {
    hub = await startEmbeddedHub({}, { API_KEYS_ENABLED: 'false', PARTNER_URLS_ALLOW_PRIVATE: 'false', ACCOUNTS_FILE: accountsFile, PDP_SECRET_ALICE: ALICE_SECRET });
    tokens.admin = await tokenFor({ clientId: 'alice', clientSecret: ALICE_SECRET });
    const admin = as('admin');
    for (const [who, accountId] of [
      ['ops', 'oscar'],
      ['analyst', 'anna'],
      ['sender', 'payroll'],
    ] as const) {
      const created = await admin(http().post('/v1/accounts')).send({ accountId, role: who, name: accountId }).expect(201);
      credentials[who] = created.body.credential;
      tokens[who] = await tokenFor(created.body.credential);
    }
    for (const [who, partnerId, category, departements] of [
      ['spsti', 'spsti-a', 'spsti', ['69']],
      ['otherSpsti', 'spsti-b', 'spsti', ['38']],
      ['insurer', 'cpam-69', 'cpam', ['69']],
    ] as const) {
      const created = await admin(http().post('/v1/partners')).send({ partnerId, category, name: partnerId, departements }).expect(201);
      credentials[who] = created.body.credential;
      tokens[who] = await tokenFor(created.body.credential);
    }
    await admin(http().post('/v1/directory/adhesions'))
      .set('Content-Type', 'text/csv')
      .send(`siret;spsti_id;valid_from;valid_to\n${siretOf(1)};spsti-a;2020-01-01;\n`)
      .expect(201);
    await as('insurer')(http().post('/v1/sick-leaves')).send(leave).expect(202);
    itemOfA = await eventually(async () => (await as('spsti')(http().get('/v1/inbox')).expect(200)).body.items[0], "the leave in spsti-a's inbox");
  });

  afterAll(async () => {
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('walks every route: anonymous callers get 401, other roles 403, the roles it names get through', async () => {
    const express = hub.http.getHttpAdapter().getInstance();
    const routes: string[] = (express.router ?? express._router).stack
      // Nest mounts app-wide middleware (the access log) as a catch-all route for every method: not an endpoint.
      .filter((l: { route?: { path: string } }) => l.route && l.route.path !== '{/*splat}')
      .flatMap((l: { route: { path: string; methods: Record<string, boolean> } }) => Object.keys(l.route.methods).map((m) => `${m.toUpperCase()} ${l.route.path}`));
    expect(routes.filter((r) => !(r in MATRIX))).toEqual([]);
    expect(Object.keys(MATRIX).filter((r) => !routes.includes(r))).toEqual([]);

    // Parameters: A's own items, and throw-away principals for the credential rotations.
    const params: Record<string, string> = {
      itemId: itemOfA.itemId,
      messageId: leave.messageId,
      caseId: caseIdOf(itemOfA.delivery.caseEvent.personPseudonym),
      caseRef: caseIdOf(itemOfA.delivery.caseEvent.personPseudonym),
      siret: siretOf(1),
      signalementId: 'sig-unknown',
      partnerId: 'spsti-z',
      accountId: 'zed',
    };
    await as('admin')(http().post('/v1/partners')).send({ partnerId: 'spsti-z', category: 'spsti', name: 'Z' }).expect(201);
    await as('admin')(http().post('/v1/accounts')).send({ accountId: 'zed', role: 'ops', name: 'Z' }).expect(201);

    const failures: string[] = [];
    for (const route of routes) {
      const [method, template] = route.split(' ');
      const path = template.replace(/:([A-Za-z]+)/g, (_, name: string) => encodeURIComponent(params[name]));
      const call = (who?: Who) => {
        const req = method === 'GET' ? http().get(path) : method === 'DELETE' ? http().delete(path) : method === 'PUT' ? http().put(path).send({}) : http().post(path).send({});
        return who ? as(who)(req) : req;
      };
      const allowed = MATRIX[route];
      const anonymous = (await call()).status;
      if (allowed === 'public') {
        if (anonymous === 401 || anonymous === 403) failures.push(`${route}: public, anonymous got ${anonymous}`);
        continue;
      }
      if (anonymous !== 401) failures.push(`${route}: anonymous got ${anonymous}, expected 401`);
      for (const who of EVERYONE) {
        const res = await call(who);
        // A role the route admits may still be refused by the domain (only the chef de file hands
        // a case over): a 403 then says so, not that the role is wrong.
        const byGuard = res.status === 401 || (res.status === 403 && /needs the role|is not a partner|send this|are for analysts/.test(res.body?.detail ?? ''));
        if (allowed.includes(who) ? byGuard : res.status !== 403) failures.push(`${route}: ${who} got ${res.status} ${res.body?.detail ?? ''}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("keeps partner B out of A's items on every route that names one", async () => {
    const b = as('otherSpsti');
    const caseId = caseIdOf(itemOfA.delivery.caseEvent.personPseudonym);
    await b(http().get(`/v1/inbox/${itemOfA.itemId}`)).expect(404);
    await b(http().post(`/v1/inbox/${itemOfA.itemId}/ack`))
      .send({ version: 1 })
      .expect(404);
    expect((await b(http().get('/v1/inbox')).expect(200)).body.items).toEqual([]);
    const timeline = await b(http().get(`/v1/cases/${encodeURIComponent(caseId)}/timeline`));
    expect([403, 404]).toContain(timeline.status);
    expect(JSON.stringify(timeline.body)).not.toContain(itemOfA.itemId);
    const chef = await b(http().post(`/v1/cases/${encodeURIComponent(caseId)}/chef-de-file`)).send({ partnerId: 'spsti-b', reason: 'take over' });
    expect([400, 403, 404, 409]).toContain(chef.status);
    // A still reads its item, with the worker's identity.
    expect((await as('spsti')(http().get(`/v1/inbox/${itemOfA.itemId}`)).expect(200)).body.worker).toMatchObject({ nir: leave.worker.nir });
  });

  it("issues signed, short-lived tokens checked against the hub's key set, and answers RFC 6749 errors", async () => {
    const jwks = (await http().get('/.well-known/jwks.json').expect(200)).body;
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', kid: 'hub-1', alg: 'ES256', use: 'sig' })]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const granted = await http()
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: credentials.spsti.clientId, client_secret: credentials.spsti.clientSecret })
      .expect(200);
    expect(granted.body).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    expect(granted.headers['cache-control']).toBe('no-store');
    expect(decodeProtectedHeader(granted.body.access_token)).toMatchObject({ alg: 'ES256', kid: 'hub-1', typ: 'at+jwt' });
    const wrong = await http().post('/oauth/token').auth(credentials.spsti.clientId, 'not-the-secret').type('form').send({ grant_type: 'client_credentials' }).expect(401);
    expect(wrong.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    expect((await http().post('/oauth/token').type('form').send({ grant_type: 'password' }).expect(400)).body.error).toBe('unsupported_grant_type');
    // A token altered by one character is refused.
    const t = tokens.spsti;
    const forged = t.slice(0, -2) + (t.at(-2) === 'A' ? 'B' : 'A') + t.at(-1);
    await http().get('/v1/inbox').set('Authorization', `Bearer ${forged}`).expect(401);
    // An anonymous form body is small: 4 KiB at most.
    expect(
      (
        await http()
          .post('/oauth/token')
          .type('form')
          .send({ grant_type: 'client_credentials', pad: 'x'.repeat(10_000) })
      ).status,
    ).toBe(413);
  });

  it('rotates a credential: the old secret and its tokens stop at once, the new one works, the change is audited with who made it', async () => {
    const oldToken = tokens.otherSpsti;
    const old = credentials.otherSpsti;
    await as('otherSpsti')(http().get('/v1/inbox')).expect(200);
    const rotated = await as('admin')(http().post('/v1/partners/spsti-b/credentials')).expect(201);
    expect(rotated.body).toEqual({ clientId: expect.stringMatching(/^pdp_/), clientSecret: expect.any(String) });
    expect(rotated.body.clientId).not.toBe(old.clientId);
    await http().get('/v1/inbox').set('Authorization', `Bearer ${oldToken}`).expect(401);
    await http().post('/oauth/token').auth(old.clientId, old.clientSecret).type('form').send({ grant_type: 'client_credentials' }).expect(401);
    tokens.otherSpsti = await tokenFor(rotated.body);
    await as('otherSpsti')(http().get('/v1/inbox')).expect(200);
    const audit = (await as('admin')(http().get('/v1/audit/partners/spsti-b')).expect(200)).body as { action: string; actor: string; detail: Record<string, unknown> }[];
    expect(audit).toContainEqual(expect.objectContaining({ action: 'credential-rotated', actor: 'alice', detail: expect.objectContaining({ clientId: rotated.body.clientId, revoked: 1 }) }));
    expect(JSON.stringify(audit)).not.toContain(rotated.body.clientSecret);
  });

  it('refuses API keys outside the demo, and partner URLs into private networks', async () => {
    const admin = as('admin');
    const withKey = await admin(http().post('/v1/partners')).send({ partnerId: 'spsti-k', category: 'spsti', name: 'K', apiKey: 'a-long-enough-api-key-0123' }).expect(400);
    expect(withKey.body.errors).toEqual([expect.objectContaining({ path: '/apiKey' })]);
    await http().get('/v1/inbox').set('X-Api-Key', 'demo-admin-key').expect(401);
    for (const url of [
      'http://127.0.0.1:8080/fhir',
      'http://169.254.169.254/latest/meta-data',
      'http://10.1.2.3/fhir',
      'http://[::1]/fhir',
      'http://[::ffff:192.168.0.1]/fhir',
      'http://localhost/fhir',
    ]) {
      const refused = await admin(http().post('/v1/partners')).send({ partnerId: 'spsti-u', category: 'spsti', name: 'U', fhirEndpoint: url }).expect(400);
      expect(refused.body.errors).toEqual([expect.objectContaining({ path: '/fhirEndpoint', message: expect.stringMatching(/private, loopback or link-local|does not resolve/) })]);
    }
    const importFrom = await admin(http().post('/v1/partners/import-fhir')).send({ baseUrl: 'http://127.0.0.1:9/fhir', category: 'spsti' }).expect(400);
    expect(importFrom.body.errors).toEqual([expect.objectContaining({ path: '/baseUrl' })]);
    await admin(http().post('/v1/partners')).send({ partnerId: 'spsti-u', category: 'spsti', name: 'U', fhirEndpoint: 'https://93.184.216.34/fhir/r4' }).expect(201);
    // A webhook is https, and never into the hub's networks.
    const hook = as('spsti');
    for (const url of ['https://127.0.0.1/hooks', 'https://169.254.169.254/latest', 'http://93.184.216.34/hooks']) {
      const refused = await hook(http().put('/v1/webhook')).send({ url }).expect(400);
      expect(refused.body.errors).toEqual([expect.objectContaining({ path: '/url', message: expect.stringMatching(/private, loopback or link-local|must be an https URL/) })]);
    }
    expect((await hook(http().put('/v1/webhook')).send({ url: 'https://93.184.216.34/hooks' }).expect(200)).body.secret).toMatch(/^whsec_/);
  });
});
