import { sickLeaveFlowScenario } from './sick-leave-flow.scenario';
import { startDistributedHub } from './support/harness';

describe('sick-leave flow, distributed (gateway, normalizer, router on Kafka + PostgreSQL)', () => {
  sickLeaveFlowScenario(() => startDistributedHub());
});
