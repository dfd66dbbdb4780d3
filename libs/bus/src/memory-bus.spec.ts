import { InMemoryBus } from './memory-bus';
import { BusMessage } from './bus';

describe('InMemoryBus', () => {
  it('delivers to each group in order and retries a failed batch', async () => {
    const bus = new InMemoryBus();
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    const seen: string[] = [];
    let failOnce = true;
    await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      handle: async (batch: BusMessage[]) => {
        if (failOnce) {
          failOnce = false;
          throw new Error('transient');
        }
        seen.push(...batch.map((m) => m.value.toString()));
      },
    });
    await bus.publish('t', [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    await bus.idle();
    expect(seen).toEqual(['1', '2']);
    expect(bus.messages('t').map((m) => m.key)).toEqual(['a', 'b']);
    await expect(bus.publish('missing', [{ key: 'x', value: 'y' }])).rejects.toThrow('does not exist');
  });
});
