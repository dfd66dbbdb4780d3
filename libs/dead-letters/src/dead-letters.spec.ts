import { IdentityKeyring } from '@pdp/identity';
import { ConsumerGroups, InMemoryBus, NO_HEADERS } from '@pdp/bus';
import { Topics } from '@pdp/contracts';
import { DeadLetterSink, poisonSink, Rejection } from './dead-letters';

function sink() {
  const rejected: Rejection[][] = [];
  const fake = { reject: async (r: Rejection[]) => void rejected.push(r) } as unknown as DeadLetterSink;
  return { fake, rejected };
}

const message = (value: string) => ({ topic: Topics.sickLeaveInbound, partition: 2, offset: '41', key: 'k', value: Buffer.from(value), headers: NO_HEADERS });

describe('poisonSink', () => {
  it("dead-letters a consumer group's isolated messages at its stage, with the error as reason", async () => {
    const { fake, rejected } = sink();
    const reject = poisonSink(fake).forGroup(ConsumerGroups.normalizer)!;
    const error = Object.assign(new Error('invalid input syntax\u0000 for type json\n  line 2'), { code: '22P02' });
    await reject([{ message: message('{"messageId":"msg-00000042"}'), error }]);
    expect(rejected).toEqual([
      [
        {
          stage: 'normalizer',
          sourceTopic: Topics.sickLeaveInbound,
          sourcePartition: 2,
          sourceOffset: '41',
          sourceKey: 'k',
          messageId: 'msg-00000042',
          reason: 'invalid input syntax for type json line 2',
          errors: [{ path: '/', message: 'failed alone at the normalizer, error code 22P02' }],
          original: Buffer.from('{"messageId":"msg-00000042"}'),
        },
      ],
    ]);
  });

  it('names each group its stage, and has none for a group it does not know', () => {
    const sinks = poisonSink(sink().fake);
    for (const g of Object.values(ConsumerGroups)) expect(sinks.forGroup(g)).toBeInstanceOf(Function);
    expect(sinks.forGroup('some-other-group')).toBeUndefined();
  });

  it('keeps a message that is not JSON, without a messageId, and an error without a code', async () => {
    const { fake, rejected } = sink();
    await poisonSink(fake).forGroup(ConsumerGroups.signalements)!([{ message: message('not json'), error: new RangeError('x'.repeat(2000)) }]);
    expect(rejected[0][0]).toMatchObject({ stage: 'coordinator', messageId: undefined, errors: [{ path: '/', message: 'failed alone at the coordinator' }] });
    expect(rejected[0][0].reason.length).toBeLessThanOrEqual(501);
  });
});

describe('DeadLetterSink', () => {
  it('lists the first hundred violations of a rejection and counts the others', async () => {
    const queries: unknown[][] = [];
    const bus = new InMemoryBus();
    await bus.ensureTopics([{ topic: Topics.deadLetter, partitions: 1 }]);
    const db = { query: async (_sql: string, params: unknown[]) => (queries.push(params), { rows: [], rowCount: 0 }) };
    const errors = Array.from({ length: 250 }, (_, i) => ({ path: `line ${i + 1}`, message: 'SIRET is invalid' }));
    const keyring = new IdentityKeyring({ t: Buffer.alloc(32, 7).toString('base64') }, 't');
    const [record] = await new DeadLetterSink(db, bus, keyring).reject([{ stage: 'gateway', sourceTopic: 'http', reason: 'r', errors, original: Buffer.from('{"nir":"180017512345621"}') }]);
    expect(record.errors).toHaveLength(101);
    expect(record.errors[100]).toEqual({ path: '', message: '… and 150 more' });
    // The original bytes leave sealed, on the topic as in the table, and open only under their dead letter's id.
    expect(JSON.stringify(record)).not.toContain('180017512345621');
    expect(JSON.stringify(bus.messages(Topics.deadLetter).map((m) => m.value.toString()))).not.toContain('180017512345621');
    const sealed = { keyId: record.original.keyId, sealed: Buffer.from(record.original.sealedBase64, 'base64') };
    expect(keyring.openBytes(record.deadLetterId, sealed).toString()).toBe('{"nir":"180017512345621"}');
    expect(() => keyring.openBytes('another-id', sealed)).toThrow();
  });
});
