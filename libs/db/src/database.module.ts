import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database } from './database';
import { migrate } from './migrate';
import { checkPseudonymVersion } from './pseudonym-version';
import { PgDatabase } from './pg-database';
import { PgliteDatabase } from './pglite-database';

/** The token of the app's database (Database is an interface: PostgreSQL, or PGlite when embedded). */
export const DATABASE = Symbol('Database');

/**
 * The app's database, migrated before any service uses it, and holding pseudonyms of the
 * configured key chain's version. Closed by PlatformModule after the
 * bus, whose consumers may still be finishing a batch.
 */
@Global()
@Module({})
export class DatabaseModule {
  /** `db` replaces the one the configuration names (tests). */
  static forRoot(options: { db?: Database } = {}): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DATABASE,
          inject: [HUB_CONFIG],
          useFactory: async (config: HubConfig): Promise<Database> => {
            const db = options.db ?? (config.mode === 'embedded' ? new PgliteDatabase(config.embeddedDataDir) : new PgDatabase(config.databaseUrl!));
            const applied = await migrate(db);
            if (applied.length) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
            await checkPseudonymVersion(db, 1 + config.pseudonymRotations.length);
            return db;
          },
        },
      ],
      exports: [DATABASE],
    };
  }
}
