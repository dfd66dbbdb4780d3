import { erasureScenario } from './erasure.scenario';
import { startDistributedHub, startEmbeddedHub } from './support/harness';

describe('erasure of a person at her request', () => {
  describe('distributed (gateway, normalizer, router, signalements on Kafka + PostgreSQL)', () => {
    erasureScenario(() => startDistributedHub());
  });

  describe('embedded (PGlite + in-process bus, as npm start)', () => {
    erasureScenario(() => startEmbeddedHub());
  });
});
