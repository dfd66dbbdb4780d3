import { Global, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database, DATABASE } from '@pdp/db';
import { CALLER_AUTHENTICATOR, PARTNER_AUTHENTICATOR, PartnerAuthenticator } from '@pdp/http';
import { AccessService } from './access';
import { loadAccountsFile } from './accounts-file';
import { AccountsController } from './http/accounts.controller';
import { SessionController } from './http/session.controller';
import { TokenController } from './http/token.controller';
import { TokenService } from './tokens';

/** Creates the accounts of ACCOUNTS_FILE, if any, before the app serves: a bad file stops it. */
@Injectable()
class AccountsFile implements OnModuleInit {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly access: AccessService,
  ) {}

  async onModuleInit(): Promise<void> {
    const file = this.config.access.accountsFile;
    if (file) await loadAccountsFile(file.path, file.secrets, this.access);
  }
}

/**
 * Who may call the app (docs/security.md): the caller authenticator every guard uses (needs the
 * partner registry, PartnersModule), the accounts and their credentials.
 */
@Global()
@Module({
  providers: [
    {
      provide: TokenService,
      inject: [HUB_CONFIG],
      useFactory: (config: HubConfig) =>
        new TokenService({ signingKeyPem: config.access.tokenSigningKey, keyId: config.access.tokenKeyId, issuer: config.access.tokenIssuer, ttlSeconds: config.access.tokenTtlSeconds }),
    },
    {
      provide: AccessService,
      inject: [DATABASE, PARTNER_AUTHENTICATOR, TokenService, HUB_CONFIG],
      useFactory: (db: Database, partners: PartnerAuthenticator, tokens: TokenService, config: HubConfig) => new AccessService(db, partners, tokens, config),
    },
    { provide: CALLER_AUTHENTICATOR, useExisting: AccessService },
    AccountsFile,
  ],
  exports: [AccessService, CALLER_AUTHENTICATOR],
})
export class AccessModule {}

/** The HTTP face: the token endpoint, the key set, and the admins' accounts API. */
@Module({ controllers: [TokenController, AccountsController, SessionController] })
export class AccessHttpModule {}
