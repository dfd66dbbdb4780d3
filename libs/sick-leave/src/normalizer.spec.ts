import { PgliteDatabase } from '@pdp/db';
import { normalizerScenario } from '../../../test/normalizer.scenario';

describe('LeaveNormalizer (episode merge, on PGlite)', () => {
  normalizerScenario(async () => ({ db: new PgliteDatabase() }));
});
