import { Topics } from '@pdp/contracts';
import { TopicSpec } from './bus';

/** Every fixed topic, created explicitly at start-up (kafkajs cannot subscribe to a missing topic). */
export function hubTopics(partitions: number): TopicSpec[] {
  return Object.values(Topics).map((topic) => ({ topic, partitions }));
}
