import request from 'supertest';
import { freePort } from '../support/scripts';
import { buildServices, FAULTS_ADMIN_KEY, ServiceProcess } from '../support/services';
import { SignalementTopics, Topics } from '@pdp/contracts';
import { employerDeclaration, nirOf, outcomeReportOf, sickLeave, signalementOf, siretOf } from '../support/fixtures';
import { eventually, startDistributedHub, startEmbeddedHub } from '../support/harness';
import { HostileInput, hostileVariants, seeded } from '../support/hostile';
import { reportFault } from '../support/fault-report';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const INSURER = { partnerId: 'cpam-69', apiKey: 'key-cpam-69-0123456789', category: 'cpam', name: 'CPAM du Rhône', departements: ['69'] };
const SPSTI = { partnerId: 'spsti-a', apiKey: 'key-spsti-a-0123456789', category: 'spsti', name: 'SPSTI A', region: '84', departements: ['69'] };
const SOCIAL = { partnerId: 'carsat-ra-ss', apiKey: 'key-carsat-ra-0123456789', category: 'service-social-carsat', name: 'Carsat RA service social', region: '84', departements: [] as string[] };
const TERMINAL = new Set(['delivered', 'not-eligible', 'parked', 'dead-lettered', 'routed', 'counted']);
const HTTP_PER_INTAKE = Number(process.env.FUZZ_HTTP_PER_INTAKE ?? 1_000);
const BUS_PER_TOPIC = Number(process.env.FUZZ_BUS_PER_TOPIC ?? 500);

const outcome = (n: number) => outcomeReportOf(n, SPSTI.partnerId, { messageId: `out-msg-${n}-fuzz` });
const signalement = (n: number) => signalementOf(n, { sender: { partnerId: SPSTI.partnerId, professional: 'médecin du travail' }, recipient: { category: 'service-social-carsat' } });
const report = (n: number) => ({
  schemaVersion: 'accompaniment-report/1',
  messageId: `rep-msg-${n}-fuzz`,
  reportId: `rep-${n}`,
  sender: { partnerId: SPSTI.partnerId },
  episodeId: 'ep_unknown_episode_0000000000000000000000000',
  reportDate: '2026-10-01',
  accompaniment: 'en-cours',
  measures: [{ measure: 'visite-pre-reprise', status: 'realisee', date: '2026-09-25' }],
  sentAt: '2026-10-01T12:00:00Z',
});
const consent = (n: number) => ({
  schemaVersion: 'consent-statement/1',
  worker: { nir: nirOf(n) },
  purpose: 'orientation',
  recipientCategory: 'cap-emploi',
  status: 'granted',
  effectiveAt: '2026-09-10T09:00:00Z',
  evidenceRef: `fiche-${n}`,
});

/** An id a trace can be asked for (a URL holds it: well-formed text, not longer than the contracts allow). */
function traceable(id: string): boolean {
  try {
    return id.length <= 256 && encodeURIComponent(id).length > 0;
  } catch {
    return false;
  }
}

/** The id a hostile message still carries, when its bytes parse and name one. */
function messageIdOf(input: HostileInput): string | undefined {
  try {
    const v = JSON.parse(input.body.toString('utf8')) as Json;
    return typeof v?.messageId === 'string' ? v.messageId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * More than 10,000 generated hostile inputs through every intake, over HTTP (the embedded hub:
 * every intake in one server) and over the bus (every inbound topic, on Kafka to the distributed
 * services and on the embedded hub's in-process bus). Every one is refused with a reason (a problem
 * document with its violations, or a dead letter with its reason) or taken and traced to a
 * terminal state; nothing is a 500, nothing crashes, memory stays bounded, and every answer is
 * JSON, never markup that would carry a hostile string (docs/faults.md, "Hostile input").
 */
describe('fault: hostile input on every intake', () => {
  const random = seeded(20261204);
  const counts = {
    http: { sent: 0, refused: 0, accepted: 0, taken: 0, traced: 0 },
    bus: { sent: 0, deadLettered: 0, taken: 0 },
    states: {} as Record<string, number>,
    memory: '',
  };

  describe('over HTTP (the embedded hub as npm start runs it, its own process)', () => {
    let hub: ServiceProcess;
    let port = 0;
    let senderToken = '';
    let episodeId = '';
    const url = (p: string) => `http://127.0.0.1:${port}${p}`;
    const post = (p: string, headers: Record<string, string>, body: unknown) =>
      fetch(url(p), { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

    beforeAll(async () => {
      await buildServices();
      port = await freePort();
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'KAFKA_BROKERS' && k !== 'DATABASE_URL'));
      hub = new ServiceProcess(
        'hub',
        { ...env, PORT: String(port), HOST: '127.0.0.1', DEMO_DATA: 'false', ADMIN_API_KEY: FAULTS_ADMIN_KEY, API_KEYS_ENABLED: 'true', LOG_LEVEL: 'error' },
        { probe: url('/health/ready') },
      );
      hub.start();
      await hub.ready();
      const admin = { 'X-Api-Key': FAULTS_ADMIN_KEY };
      for (const p of [INSURER, SPSTI, SOCIAL]) expect((await post('/v1/partners', admin, p)).status).toBe(201);
      expect((await post('/v1/directory/adhesions', admin, [{ siret: siretOf(1), spstiId: SPSTI.partnerId, validFrom: '2020-01-01' }])).status).toBe(201);
      const sender = (await (await post('/v1/accounts', admin, { accountId: 'payroll-fuzz', role: 'sender', name: 'Logiciel de paie' })).json()) as Json;
      const token = await fetch(url('/oauth/token'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sender.credential.clientId, client_secret: sender.credential.clientSecret }),
      });
      senderToken = ((await token.json()) as Json).access_token;
      // A transmitted leave: the episode an accompaniment report refers to.
      expect((await post('/v1/sick-leaves', { 'X-Api-Key': INSURER.apiKey }, sickLeave({ n: 1 }))).status).toBe(202);
      episodeId = await eventually(async () => {
        const page = (await (await fetch(url('/v1/inbox'), { headers: { 'X-Api-Key': SPSTI.apiKey } })).json()) as Json;
        return page.items?.[0]?.delivery?.caseEvent?.episodeId as string | undefined;
      }, 'the SPSTI inbox item of the transmitted leave');
    }, 300_000);

    afterAll(() => hub?.kill());

    it('refuses each with a problem document, or takes it and traces it to a terminal state; never a 500, and the memory stays bounded', async () => {
      const admin = { 'X-Api-Key': FAULTS_ADMIN_KEY };
      const intakes: { path: string; auth: Record<string, string>; valid: (n: number) => unknown }[] = [
        { path: '/v1/sick-leaves', auth: { 'X-Api-Key': INSURER.apiKey }, valid: (n) => sickLeave({ n }) },
        { path: '/v1/employer-leave-declarations', auth: { Authorization: `Bearer ${senderToken}` }, valid: (n) => employerDeclaration({ n }) },
        { path: '/v1/signalements', auth: { 'X-Api-Key': SPSTI.apiKey }, valid: signalement },
        { path: '/v1/accompaniment-reports', auth: { 'X-Api-Key': SPSTI.apiKey }, valid: (n) => ({ ...report(n), episodeId }) },
        { path: '/v1/outcomes', auth: { 'X-Api-Key': SPSTI.apiKey }, valid: outcome },
        { path: '/v1/consents', auth: { 'X-Api-Key': SPSTI.apiKey }, valid: consent },
        { path: '/v1/directory/adhesions', auth: admin, valid: (n) => [{ siret: siretOf(1 + (n % 5)), spstiId: SPSTI.partnerId, validFrom: '2020-01-01' }] },
        { path: '/v1/partners', auth: admin, valid: (n) => ({ partnerId: `fuzz-${n}`, category: 'cap-emploi', name: `Cap emploi ${n}`, departements: ['69'], apiKey: `fuzz-key-${n}-0123456789` }) },
      ];
      const answers: Record<string, number> = {};
      const failures: string[] = [];
      const taken: string[] = [];
      const baseline = hub.peakRss();
      const sentAs = new Map<string, string>();
      for (const intake of intakes) {
        // The intake takes its valid message: what the hostile ones are refused for is what was done to them.
        const control = await post(intake.path, intake.auth, intake.valid(1));
        expect([intake.path, control.status, control.status < 300 ? '' : await control.text()]).toEqual([intake.path, control.status < 300 ? control.status : 202, '']);
        const inputs = hostileVariants((i) => intake.valid(100_000 + counts.http.sent + i) as never, HTTP_PER_INTAKE, random, { large: true });
        // The adhesions import also takes CSV: rows with hostile cells.
        if (intake.path === '/v1/directory/adhesions')
          for (const cell of [
            '=HYPERLINK("http://evil.example")',
            "+cmd|' /C calc'!A0",
            '@SUM(1)',
            '"a;b"',
            'spsti-a\u0000',
            '2026-02-30',
            `${SPSTI.partnerId};2020-01-01;\n${siretOf(2)};${SPSTI.partnerId}`,
          ])
            inputs.push({ kind: 'csv cell', body: Buffer.from(`siret;spsti_id;valid_from;valid_to\n${siretOf(2)};${cell};2020-01-01;\n`), contentType: 'text/csv' });
        for (const [i, input] of inputs.entries()) {
          counts.http.sent++;
          const r = await fetch(url(intake.path), { method: 'POST', headers: { ...intake.auth, 'Content-Type': input.contentType }, body: input.body }).catch((e: Error) => e);
          const where = `${intake.path} #${i} (${input.kind})`;
          if (r instanceof Error) {
            failures.push(`${where}: no answer (${r.message})`);
            continue;
          }
          answers[r.status] = (answers[r.status] ?? 0) + 1;
          const type = r.headers.get('content-type') ?? '';
          const body = (await r.json().catch(() => undefined)) as Json | undefined;
          if (r.status >= 500) failures.push(`${where}: ${r.status} ${JSON.stringify(body).slice(0, 200)}`);
          else if (r.status >= 400) {
            counts.http.refused++;
            if (!type.startsWith('application/problem+json') || typeof body?.title !== 'string') failures.push(`${where}: ${r.status} without a problem document (${type})`);
          } else {
            counts.http.accepted++;
            if (!type.startsWith('application/json')) failures.push(`${where}: ${r.status} answered as ${type}`);
            if (r.status === 202 && typeof body?.messageId === 'string') {
              taken.push(body.messageId);
              sentAs.set(body.messageId, `${where}: ${input.body.toString('utf8').slice(0, 600)}`);
            }
          }
        }
      }
      expect(failures.slice(0, 10)).toEqual([]);
      // What was taken ends somewhere its sender can see.
      for (const id of taken) {
        const status = await eventually(
          async () => {
            const r = await fetch(url(`/v1/messages/${encodeURIComponent(id)}`), { headers: admin });
            const s = r.status === 200 ? ((await r.json()) as Json).status : undefined;
            return TERMINAL.has(s) ? (s as string) : undefined;
          },
          `a terminal state for ${sentAs.get(id)}`,
        );
        counts.states[status] = (counts.states[status] ?? 0) + 1;
        counts.http.traced++;
      }
      counts.http.taken = taken.length;
      // A hostile string taken as data (a partner's name) comes back as JSON that no browser sniffs into a page.
      const marked = { partnerId: 'fuzz-markup', category: 'cap-emploi', name: '<img src=x onerror=alert(1)>', departements: ['69'], apiKey: 'fuzz-key-markup-0123456789' };
      expect((await post('/v1/partners', admin, marked)).status).toBe(201);
      const listed = await fetch(url('/v1/partners'), { headers: admin });
      expect([listed.headers.get('content-type'), listed.headers.get('x-content-type-options')]).toEqual([expect.stringContaining('application/json'), 'nosniff']);
      expect(((await listed.json()) as Json[]).find((p) => p.partnerId === 'fuzz-markup')?.name).toBe(marked.name);
      // Still alive, and its memory bounded (10 MB bodies included): the process's peak resident set.
      expect((await fetch(url('/health/ready'))).status).toBe(200);
      counts.memory = `the hub's peak resident memory ${Math.round(baseline / 1e6)} MB before the inputs, ${Math.round(hub.peakRss() / 1e6)} MB after`;
      expect(hub.peakRss() - baseline).toBeLessThan(512 * 1024 * 1024);
      expect(counts.http.sent).toBeGreaterThanOrEqual(intakes.length * HTTP_PER_INTAKE);
      expect(answers['500'] ?? 0).toBe(0);
    }, 900_000);
  });

  describe('over the bus (Kafka to the distributed services, the in-process bus of the embedded hub)', () => {
    const topics: { topic: string; valid: (n: number) => unknown }[] = [
      { topic: Topics.sickLeaveInbound, valid: (n) => sickLeave({ n }) },
      { topic: Topics.employerLeaveInbound, valid: (n) => employerDeclaration({ n }) },
      { topic: SignalementTopics.signalementInbound, valid: signalement },
      { topic: SignalementTopics.accompanimentReportInbound, valid: report },
      { topic: Topics.outcomeInbound, valid: outcome },
    ];

    for (const mode of ['distributed', 'embedded'] as const) {
      it(`dead-letters each with its reason, or takes it to a terminal state (${mode})`, async () => {
        const hub = mode === 'distributed' ? await startDistributedHub({}, {}, { metrics: true }) : await startEmbeddedHub();
        try {
          const http = () => request(hub.http.getHttpServer());
          const admin = (r: request.Test) => r.set('X-Api-Key', hub.adminKey);
          for (const p of [INSURER, SPSTI, SOCIAL]) await admin(http().post('/v1/partners')).send(p).expect(201);
          for (const { topic, valid } of topics) {
            // Bodies the bus carries as they are (a media type means nothing on a topic).
            const inputs = hostileVariants((i) => valid(200_000 + counts.bus.sent + i) as never, BUS_PER_TOPIC, random).filter((i) => i.body.length < 900_000);
            await hub.publishBatch(
              topic,
              inputs.map((input, i) => ({ key: `fuzz-${i}`, value: input.body })),
            );
            counts.bus.sent += inputs.length;
            const ids = inputs.map(messageIdOf);
            let last = '';
            const settled = await eventually(
              async () => {
                const { rows } = await hub.db.query<{ n: string }>('SELECT count(*) AS n FROM dead_letters WHERE source_topic LIKE $1', [`%${topic}`]);
                const deadLettered = Number(rows[0].n);
                const states = new Map<string, string>();
                for (const id of new Set(ids.filter((x): x is string => x !== undefined && traceable(x)))) {
                  const r = await admin(http().get(`/v1/messages/${encodeURIComponent(id)}`));
                  if (r.status === 200 && TERMINAL.has(r.body.status) && r.body.status !== 'dead-lettered') states.set(id, r.body.status);
                }
                // Each message is accounted for: dead-lettered with its reason, or taken to a terminal state.
                const taken = ids.filter((id) => id !== undefined && states.has(id));
                last = `${deadLettered} dead-lettered, ${taken.length} taken, of ${inputs.length}; not accounted: ${inputs
                  .filter((_, i) => ids[i] === undefined || !states.has(ids[i]!))
                  .map((x) => x.kind)
                  .slice(0, 3)
                  .join(', ')}`;
                return deadLettered + taken.length >= inputs.length ? { deadLettered, taken: taken.map((id) => states.get(id!)!) } : undefined;
              },
              `every hostile message on ${topic} dead-lettered or taken`,
              180_000,
            ).catch((e: Error) => {
              throw new Error(`${e.message} (${last})`);
            });
            counts.bus.deadLettered += settled.deadLettered;
            counts.bus.taken += settled.taken.length;
            for (const s of settled.taken) counts.states[s] = (counts.states[s] ?? 0) + 1;
            const { rows: reasons } = await hub.db.query<{ reason: string }>("SELECT reason FROM dead_letters WHERE source_topic LIKE $1 AND coalesce(reason, '') = ''", [`%${topic}`]);
            expect(reasons).toEqual([]);
          }
          await http().get('/health/ready').expect(200);
        } finally {
          await hub.close();
        }
      }, 900_000);
    }

    afterAll(() => {
      const { http, bus } = counts;
      reportFault('hostile-input', {
        fault: `hostile inputs on every intake (HTTP: ${http.refused} refused with a problem document, ${http.accepted} taken, ${counts.memory}; bus: ${bus.deadLettered} dead-lettered with a reason, ${bus.taken} taken)`,
        sent: http.sent + bus.sent,
        accepted: http.accepted + bus.sent,
        terminal: { ...counts.states, 'refused (HTTP)': http.refused, 'dead-lettered (bus)': bus.deadLettered },
        lost: http.sent - http.refused - http.accepted + (http.taken - http.traced) + Math.max(0, bus.sent - bus.deadLettered - bus.taken),
        duplicated: 0,
      });
      expect(http.sent + bus.sent).toBeGreaterThanOrEqual(10_000);
    });
  });
});
