import request from 'supertest';
import { Kafka, logLevel } from 'kafkajs';
import { inboxTopic, InboxDelivery, Topics } from '@pdp/contracts';
import { hubTopics, KafkaBus } from '@pdp/bus';
import { makeTestCertificates, TestCertificates } from './support/certificates';
import { eventually, HubUnderTest, startDistributedHub, registerSpsti } from './support/harness';
import { ensureKafka, KafkaHandle } from './support/kafka-broker';
import { nirOf, sickLeave, siretOf } from './support/fixtures';

/**
 * The hub on a broker that takes only authenticated, encrypted connections: a SASL_SSL listener
 * with SCRAM users, its certificate signed by a CA the test makes with keytool
 * (docs/operations.md, "Kafka security").
 */
describe('Kafka over SASL_SSL with SCRAM', () => {
  const USER = { username: 'pdp-hub', password: 'scram-secret-' + Date.now() };
  let certs: TestCertificates;
  let kafka: KafkaHandle;
  let hub: HubUnderTest | undefined;
  let brokers: string;

  beforeAll(async () => {
    certs = makeTestCertificates();
    kafka = await ensureKafka({ saslSsl: { keystore: certs.serverKeystore, keystorePassword: certs.password, users: [USER] } });
    brokers = kafka.saslSslBrokers!.join(',');
  }, 180_000);

  afterAll(async () => {
    await hub?.close();
    await kafka?.stop();
    certs?.remove();
  });

  it('carries a sick leave from the insurer to the SPSTI with every app connected over TLS with its SCRAM credentials', async () => {
    hub = await startDistributedHub(
      {},
      { KAFKA_BROKERS: brokers, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: certs.caPemFile, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: USER.username, KAFKA_SASL_PASSWORD: USER.password },
    );
    const http = () => request(hub!.http.getHttpServer());
    const spsti = await registerSpsti(hub!, 'spsti-tls', siretOf(1));

    const leave = sickLeave({ n: 1, leaveId: 'aat-tls-1', employer: { siret: siretOf(1) } });
    await hub.publish(Topics.sickLeaveInbound, leave.leaveId, JSON.stringify(leave));
    const item = await eventually(async () => {
      const res = await http().get('/v1/inbox').set('Authorization', `Bearer ${spsti.apiKey}`).expect(200);
      return (res.body.items as { delivery: InboxDelivery }[]).find((i) => i.delivery.caseEvent.sourceMessageId === leave.messageId);
    }, 'the leave in the SPSTI inbox');
    expect(item.delivery.caseEvent.employerSiret).toBe(siretOf(1));
    // The partner's topic was written over the same listener.
    const delivered = await eventually(async () => (await hub!.readTopic(inboxTopic(spsti.partnerId))).find((r) => r.value.toString().includes(leave.messageId)), 'the delivery on the partner topic');
    expect(delivered.value.toString()).not.toContain(nirOf(1));
  });

  it('refuses a wrong password', async () => {
    const bus = new KafkaBus({
      brokers: brokers.split(','),
      clientId: 'e2e-wrong-password',
      security: { ssl: { ca: certs.caPem }, sasl: { mechanism: 'scram-sha-512', username: USER.username, password: 'not-the-password' } },
    });
    await expect(bus.ensureTopics(hubTopics(1))).rejects.toThrow(/SASL|authenticat/i);
    await bus.close().catch(() => undefined);
  });

  it('refuses a client that does not trust the broker, and one that speaks in clear', async () => {
    const attempt = async (options: Partial<ConstructorParameters<typeof Kafka>[0]>) => {
      const admin = new Kafka({
        clientId: 'e2e-refused',
        brokers: brokers.split(','),
        logLevel: logLevel.NOTHING,
        connectionTimeout: 3000,
        requestTimeout: 5000,
        retry: { retries: 0 },
        ...options,
      }).admin();
      try {
        await admin.connect();
        await admin.listTopics();
        return 'connected';
      } catch (e) {
        return String(e);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    };
    // Node's own roots do not include the test's CA.
    expect(await attempt({ ssl: true, sasl: { mechanism: 'scram-sha-512', ...USER } })).toMatch(/certificate|self.signed|unable to verify/i);
    expect(await attempt({ sasl: { mechanism: 'scram-sha-512', ...USER } })).not.toBe('connected');
    expect(await attempt({})).not.toBe('connected');
  });
});
