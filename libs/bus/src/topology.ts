import { Topics } from '@pdp/contracts';
import { TopicSpec } from './bus';

/**
 * Every fixed topic, created explicitly at start-up (kafkajs cannot subscribe to a missing
 * topic). The dead-letter topic keeps its records only as long as the dead letters are kept.
 */
export function hubTopics(partitions: number, retention: { deadLetterDays: number } = { deadLetterDays: 30 }): TopicSpec[] {
  return Object.values(Topics).map((topic) => (topic === Topics.deadLetter ? { topic, partitions, retentionMs: Math.round(retention.deadLetterDays * 86_400_000) } : { topic, partitions }));
}
