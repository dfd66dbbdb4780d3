import { PgDatabase } from '@pdp/db';
import { normalizerScenario } from './normalizer.scenario';
import { createTestDatabase } from './support/postgres';

describe('LeaveNormalizer (episode merge, on PostgreSQL: new rows with COPY)', () => {
  normalizerScenario(async () => {
    const database = await createTestDatabase();
    return { db: new PgDatabase(database.url, 2), drop: database.drop };
  });
});
