import { Topics } from '@pdp/contracts';
import { hubTopics } from './topology';

describe('hub topics', () => {
  it('creates the dead-letter topic with the dead letters retention, the others with the broker default', () => {
    const specs = hubTopics(3, { deadLetterDays: 30 });
    expect(specs.find((s) => s.topic === Topics.deadLetter)).toEqual({ topic: Topics.deadLetter, partitions: 3, retentionMs: 30 * 86_400_000 });
    expect(specs.filter((s) => s.retentionMs !== undefined)).toHaveLength(1);
  });
});
