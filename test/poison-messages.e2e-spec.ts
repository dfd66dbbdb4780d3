import { poisonMessagesScenario } from './poison-messages.scenario';
import { startDistributedHub, startEmbeddedHub } from './support/harness';

describe('poison messages and bad input', () => {
  describe('distributed (gateway, normalizer, router, signalements on Kafka + PostgreSQL)', () => {
    poisonMessagesScenario(() => startDistributedHub());
  });

  describe('embedded (PGlite + in-process bus, as npm start)', () => {
    poisonMessagesScenario(() => startEmbeddedHub());
  });
});
