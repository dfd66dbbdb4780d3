import { Global, Module } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database, DATABASE } from '@pdp/db';
import { IdentityKeyring } from './identity';
import { IdentityVault } from './vault';

/** The identity vault of an app, with the keys of its configuration. */
@Global()
@Module({
  providers: [
    {
      provide: IdentityVault,
      inject: [DATABASE, HUB_CONFIG],
      useFactory: (db: Database, config: HubConfig) => new IdentityVault(db, new IdentityKeyring(config.identityKeys.keys, config.identityKeys.activeKeyId)),
    },
  ],
  exports: [IdentityVault],
})
export class IdentityModule {}
