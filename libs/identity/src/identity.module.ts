import { Global, Module } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database, DATABASE } from '@pdp/db';
import { IdentityKeyring } from './identity';
import { IdentityVault } from './vault';

/** The identity vault of an app, and the keyring of its configuration (which also seals dead letters' bytes). */
@Global()
@Module({
  providers: [
    { provide: IdentityKeyring, inject: [HUB_CONFIG], useFactory: (config: HubConfig) => new IdentityKeyring(config.identityKeys.keys, config.identityKeys.activeKeyId) },
    { provide: IdentityVault, inject: [DATABASE, IdentityKeyring], useFactory: (db: Database, keyring: IdentityKeyring) => new IdentityVault(db, keyring) },
  ],
  exports: [IdentityVault, IdentityKeyring],
})
export class IdentityModule {}
