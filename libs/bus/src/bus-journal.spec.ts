import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusMessage } from './bus';
import { BusJournal, busJournalFile } from './bus-journal';
import { InMemoryBus } from './memory-bus';

describe('InMemoryBus with a journal (an embedded hub that keeps its data)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bus-journal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps what was published and where each group stopped, across a restart that never closed the bus', async () => {
    const file = busJournalFile(join(dir, 'db/'));
    expect(file).toBe(join(dir, 'db.bus.sqlite'));
    const first = new InMemoryBus(new BusJournal(file));
    await first.ensureTopics([{ topic: 't', partitions: 1 }]);
    const seen: string[] = [];
    let stop = false;
    await first.subscribe({
      groupId: 'g',
      topics: ['t'],
      handle: async (batch: BusMessage[]) => {
        if (stop) throw new Error('the process is going down');
        seen.push(...batch.map((m) => m.value.toString()));
      },
    });
    await first.publish('t', [
      { key: 'a', value: '1', headers: { 'x-replay-of': 'dl_1' } },
      { key: 'b', value: null },
    ]);
    await first.idle();
    stop = true;
    // Published after the group's last handled batch, and never handled: the crash.
    await first.publish('t', [{ key: 'c', value: '3' }]);
    expect(seen).toEqual(['1', '']);

    const second = new InMemoryBus(new BusJournal(file));
    await second.ensureTopics([{ topic: 't', partitions: 1 }]);
    expect(second.messages('t').map((m) => [m.key, m.value.toString(), m.offset, m.headers])).toEqual([
      ['a', '1', '0', { 'x-replay-of': 'dl_1' }],
      ['b', '', '1', {}],
      ['c', '3', '2', {}],
    ]);
    const resumed: string[] = [];
    await second.subscribe({ groupId: 'g', topics: ['t'], handle: async (batch) => void resumed.push(...batch.map((m) => m.key!)) });
    const fresh: string[] = [];
    await second.subscribe({ groupId: 'other', topics: ['t'], handle: async (batch) => void fresh.push(...batch.map((m) => m.key!)) });
    await second.idle();
    expect(resumed).toEqual(['c']);
    expect(fresh).toEqual(['a', 'b', 'c']);
    await second.publish('t', [{ key: 'd', value: '4' }]);
    await second.idle();
    expect(resumed).toEqual(['c', 'd']);
    await Promise.all([first.close(), second.close()]);
  });
});
