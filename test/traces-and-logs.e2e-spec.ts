import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ConsumerGroups } from '@pdp/bus';
import { Topics } from '@pdp/contracts';
import { eventually, HubUnderTest, registerSpsti, startDistributedHub } from './support/harness';
import { nirOf, sickLeave, siretOf } from './support/fixtures';

/**
 * One sick leave's trace and log lines on the distributed hub over the real broker
 * (docs/operations.md, "Traces" and "Logs"): the HTTP intake and the normaliser add their spans
 * to one trace, carried from app to app in the Kafka records' headers, and on to the partner;
 * the apps log JSON lines with the trace id; neither holds the worker's NIR or name.
 */
describe('traces and logs of one sick leave', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = new AsyncLocalStorageContextManager();
  const dir = mkdtempSync(join(tmpdir(), 'pdp-logs-'));
  const logFile = join(dir, 'hub.log');
  let hub: HubUnderTest;
  const http = () => request(hub.http.getHttpServer());

  beforeAll(async () => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
    hub = await startDistributedHub({}, { LOG_FILE: logFile, LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    await hub?.close();
    await provider.shutdown();
    trace.disable();
    context.disable();
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows the leave from the HTTP intake through normalisation to the partner topic, with no person in any span or log line', async () => {
    const admin = (req: request.Test) => req.set('X-Api-Key', hub.adminKey);
    const spsti = await registerSpsti(hub, 'spsti-trace', siretOf(7));
    const insurer = { partnerId: 'cpam-trace', apiKey: 'key-cpam-trace-0123456789' };
    await admin(http().post('/v1/partners'))
      .send({ ...insurer, category: 'cpam', name: 'CPAM trace', departements: ['69'] })
      .expect(201);

    const leave = sickLeave({ n: 7, leaveId: 'aat-trace-7', employer: { siret: siretOf(7) }, pdpRisk: true });
    await http().post('/v1/sick-leaves').set('X-Api-Key', insurer.apiKey).send(leave).expect(202);
    await eventually(async () => (await http().get('/v1/inbox').set('X-Api-Key', spsti.apiKey).expect(200)).body.items.length === 1, 'the leave in the inbox');

    const intake = await eventually(async () => exporter.getFinishedSpans().find((s) => s.name === 'POST /v1/sick-leaves'), 'the intake span');
    const traceId = intake.spanContext().traceId;
    const inTrace = (): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const stageSpan = (group: string, topic: string) =>
      inTrace().find((s) => s.attributes['messaging.consumer.group.name'] === group && String(s.attributes['messaging.destination.name']).endsWith(topic));
    const normalised = await eventually(async () => stageSpan(ConsumerGroups.normalizer, Topics.sickLeaveInbound), 'the normaliser span in the same trace');
    // The normaliser's span is the child of the intake's: the context went through the record's headers.
    expect(normalised.parentSpanContext?.spanId).toBe(intake.spanContext().spanId);
    expect(normalised.attributes['messaging.message.id']).toBe(leave.messageId);
    // The normaliser routes in the same transaction; the delivery on the SPSTI's topic carries
    // its span as the parent, so the partner's consumer can continue the same trace.
    const delivered = await eventually(async () => (await hub.readTopic('pdp.inbox.spsti-trace.v1')).find((r) => r.headers.traceparent), 'the delivery on the partner topic');
    expect(delivered.headers.traceparent).toBe(`00-${traceId}-${normalised.spanContext().spanId}-01`);

    const spans = JSON.stringify(exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    for (const secret of [nirOf(7), 'DUPONT', 'Marie', 'aat-trace-7']) expect(spans).not.toContain(secret);

    // The log file: JSON lines only, the access line of the intake under its trace id, no person.
    const text = await eventually(async () => {
      const t = readFileSync(logFile, 'utf8');
      return t.includes('POST /v1/sick-leaves 202') ? t : undefined;
    }, 'the access log line');
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.every((l) => typeof l.level === 'string' && typeof l.time === 'string' && typeof l.service === 'string')).toBe(true);
    const access = lines.find((l) => String(l.msg).startsWith('POST /v1/sick-leaves 202'));
    expect(access).toMatchObject({ trace_id: traceId, req: { method: 'POST', path: '/v1/sick-leaves' }, res: { statusCode: 202 } });
    expect(JSON.stringify(access)).not.toContain(insurer.apiKey);
    for (const secret of [nirOf(7), 'DUPONT', 'Marie']) expect(text).not.toContain(secret);
  });
});
