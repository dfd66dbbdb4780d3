import { Global, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { ContractRegistry } from '@pdp/contracts';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database, DATABASE } from '@pdp/db';
import { MESSAGE_BUS, MessageBus } from '@pdp/bus';
import { PARTNER_AUTHENTICATOR } from '@pdp/http';
import { AdhesionDirectory } from './directory';
import { PartnerRegistry } from './partners';
import { PartnerIdentitySealer } from './partner-identity';
import { IdentityVault } from '@pdp/identity';
import { loadPartnersFile } from './partners-file';

/** Loads the partner directory file (PARTNERS_FILE), if any, before the app serves: a bad file stops it. */
@Injectable()
class PartnerDirectoryFile implements OnModuleInit {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly contracts: ContractRegistry,
    private readonly registry: PartnerRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    const file = this.config.partnersFile;
    if (file) await loadPartnersFile(file.path, this.contracts, this.registry, file.apiKeys);
  }
}

/**
 * Who the hub exchanges with: the partner registry (which also authenticates partners' keys)
 * and the adhesion directory (employer SIRET → SPSTI). Every flow resolves recipients with them,
 * and seals the worker's identity for the partners' topics with their keys. Needs IdentityModule.
 */
@Global()
@Module({
  providers: [
    { provide: PartnerRegistry, inject: [DATABASE], useFactory: (db: Database) => new PartnerRegistry(db) },
    { provide: AdhesionDirectory, inject: [DATABASE, MESSAGE_BUS], useFactory: (db: Database, bus: MessageBus) => new AdhesionDirectory(db, bus) },
    { provide: PARTNER_AUTHENTICATOR, useExisting: PartnerRegistry },
    { provide: PartnerIdentitySealer, inject: [DATABASE, IdentityVault], useFactory: (db: Database, vault: IdentityVault) => new PartnerIdentitySealer(db, vault) },
    PartnerDirectoryFile,
  ],
  exports: [PartnerRegistry, AdhesionDirectory, PARTNER_AUTHENTICATOR, PartnerIdentitySealer],
})
export class PartnersModule {}
