import request from 'supertest';
import { compactDecrypt, decodeProtectedHeader, exportJWK, generateKeyPair, GenerateKeyPairResult } from 'jose';
import { inboxTopic, Topics } from '@pdp/contracts';
import { eventually, HubUnderTest, startDistributedHub, startEmbeddedHub } from './support/harness';
import { nirOf, sickLeave, signalementOf, siretOf } from './support/fixtures';
import { documented } from './support/openapi-responses';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The worker's identity on a partner's Kafka topic: encrypted for the partner's registered public
 * key alone (JWE), so whoever operates Kafka cannot read it; a partner without a key gets none there.
 */
function partnerTopicIdentityScenario(start: () => Promise<HubUnderTest>): void {
  let hub: HubUnderTest;
  let spstiKeys: GenerateKeyPairResult;
  let capKeys: GenerateKeyPairResult;
  const http = () => request(hub.http.getHttpServer());
  const admin = (req: request.Test) => req.set('X-Api-Key', hub.adminKey);
  const WITH_KEY = { partnerId: 'spsti-jwe', apiKey: 'key-spsti-jwe-0123456789', category: 'spsti', name: 'SPSTI with a key', region: '84', departements: ['69'] };
  const PLAIN = { partnerId: 'spsti-plain', apiKey: 'key-spsti-plain-0123456789', category: 'spsti', name: 'SPSTI without key', region: '84', departements: ['38'] };
  const CAP = { partnerId: 'cap-emploi-jwe', apiKey: 'key-cap-jwe-0123456789', category: 'cap-emploi', name: 'Cap emploi with a key', region: '84', departements: ['69'] };
  const records = async (partnerId: string) =>
    (await hub.readTopic(inboxTopic(partnerId))).filter((r) => r.value.length > 0).map((r) => ({ raw: r.value.toString(), d: JSON.parse(r.value.toString()) as Json }));

  beforeAll(async () => {
    hub = await start();
    spstiKeys = await generateKeyPair('ECDH-ES+A256KW', { extractable: true });
    capKeys = await generateKeyPair('RSA-OAEP-256', { extractable: true, modulusLength: 2048 });
    const registered = await documented(
      await admin(http().post('/v1/partners'))
        .send({ ...WITH_KEY, encryptionKey: await exportJWK(spstiKeys.publicKey) })
        .expect(201),
      'POST /v1/partners',
    );
    expect(registered.body.encryptionKey).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'enc', kid: expect.any(String) });
    expect(registered.body.encryptionKey.d).toBeUndefined();
    await admin(http().post('/v1/partners'))
      .send({ ...CAP, encryptionKey: { ...(await exportJWK(capKeys.publicKey)), kid: 'cap-2026' } })
      .expect(201);
    await admin(http().post('/v1/partners')).send(PLAIN).expect(201);
    await admin(http().post('/v1/directory/adhesions'))
      .send([
        { siret: siretOf(71), spstiId: WITH_KEY.partnerId, validFrom: '2020-01-01' },
        { siret: siretOf(72), spstiId: PLAIN.partnerId, validFrom: '2020-01-01' },
      ])
      .expect(201);
  });

  afterAll(async () => {
    await hub?.close();
  });

  it('refuses a key that is private, secret, too weak or not for encryption', async () => {
    const { privateKey } = await generateKeyPair('ECDH-ES+A256KW', { extractable: true });
    // A 1024-bit modulus (no library makes one any more): the registered RSA key's, cut in half.
    const rsa = await exportJWK(capKeys.publicKey);
    const weak = { ...rsa, n: Buffer.from(rsa.n!, 'base64url').subarray(0, 128).toString('base64url') };
    const cases: [unknown, string][] = [
      [await exportJWK(privateKey), 'private'],
      [{ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ' }, 'secret'],
      [weak, '2048'],
      [{ ...(await exportJWK(spstiKeys.publicKey)), use: 'sig' }, 'use'],
      ['not a key', 'JWK'],
    ];
    for (const [encryptionKey, why] of cases) {
      const res = await admin(http().post('/v1/partners'))
        .send({ ...PLAIN, partnerId: 'spsti-badkey', encryptionKey })
        .expect(400);
      expect(res.body.errors).toEqual([{ path: '/encryptionKey', message: expect.stringContaining(why) }]);
    }
  });

  it("carries the worker's identity sealed for the SPSTI's key on its topic, and none to a partner without a key", async () => {
    const sealedLeave = sickLeave({ n: 7101, leaveId: 'aat-jwe-1', employer: { siret: siretOf(71) }, pdpRisk: true });
    const plainLeave = sickLeave({ n: 7102, leaveId: 'aat-jwe-2', employer: { siret: siretOf(72) }, pdpRisk: true });
    for (const l of [sealedLeave, plainLeave]) await hub.publish(Topics.sickLeaveInbound, l.leaveId, JSON.stringify(l));
    const [record] = await eventually(async () => {
      const r = await records(WITH_KEY.partnerId);
      return r.length ? r : undefined;
    }, 'delivery on the SPSTI topic');
    // Kafka's operator sees a JWE, never the NIR; the SPSTI opens it with its private key.
    expect(record.raw).not.toContain(nirOf(7101));
    expect(decodeProtectedHeader(record.d.workerJwe)).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: expect.any(String) });
    const { plaintext } = await compactDecrypt(record.d.workerJwe, spstiKeys.privateKey);
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toMatchObject({ nir: nirOf(7101) });
    const [plain] = await eventually(async () => {
      const r = await records(PLAIN.partnerId);
      return r.length ? r : undefined;
    }, 'delivery on the other topic');
    expect(plain.d.workerJwe).toBeUndefined();
    expect(plain.raw).not.toContain(nirOf(7102));
  });

  it("seals the identity of a referral delivered on consent for its recipient's key", async () => {
    const sig = signalementOf(
      7103,
      { sender: { partnerId: PLAIN.partnerId, professional: 'médecin du travail' }, recipient: { category: 'cap-emploi', partnerId: CAP.partnerId } },
      { signalementId: 'jwe-sig-1', worker: { nir: nirOf(7103), birthName: 'CHIFFREE', firstNames: 'Anne', departement: '69' }, employer: { siret: siretOf(72) } },
    );
    await http().post('/v1/signalements').set('Authorization', `Bearer ${PLAIN.apiKey}`).send(sig).expect(202);
    const [record] = await eventually(async () => {
      const r = await records(CAP.partnerId);
      return r.length ? r : undefined;
    }, 'referral on the Cap emploi topic');
    expect(record.raw).not.toContain(nirOf(7103));
    expect(record.raw).not.toContain('CHIFFREE');
    expect(decodeProtectedHeader(record.d.workerJwe)).toMatchObject({ alg: 'RSA-OAEP-256', kid: 'cap-2026' });
    const { plaintext } = await compactDecrypt(record.d.workerJwe, capKeys.privateKey);
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toMatchObject({ nir: nirOf(7103), birthName: 'CHIFFREE' });
  });
}

describe("the worker's identity on the partners' Kafka topics", () => {
  describe('distributed (gateway, normalizer, router, signalements on Kafka + PostgreSQL)', () => {
    partnerTopicIdentityScenario(() => startDistributedHub());
  });

  describe('embedded (PGlite + in-process bus, as npm start)', () => {
    partnerTopicIdentityScenario(() => startEmbeddedHub());
  });
});
