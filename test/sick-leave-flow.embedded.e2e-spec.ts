import { sickLeaveFlowScenario } from './sick-leave-flow.scenario';
import { startEmbeddedHub } from './support/harness';

describe('sick-leave flow, embedded (PGlite + in-process bus, as npm start)', () => {
  sickLeaveFlowScenario(() => startEmbeddedHub());
});
