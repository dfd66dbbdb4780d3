import { opsScenario } from './ops.scenario';
import { startDistributedHub, startEmbeddedHub } from './support/harness';

describe('ops: lists, traces and dead-letter replay', () => {
  describe('distributed (gateway, normalizer, router, signalements on Kafka + PostgreSQL)', () => {
    opsScenario(() => startDistributedHub());
  });

  describe('embedded (PGlite + in-process bus, as npm start)', () => {
    opsScenario(() => startEmbeddedHub());
  });
});
