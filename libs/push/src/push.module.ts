import { Inject, Injectable, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { RepeatingTask } from '@pdp/platform';
import { AuditModule, AuditTrail } from '@pdp/audit';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database, DATABASE } from '@pdp/db';
import { IdentityKeyring, IdentityVault } from '@pdp/identity';
import { FhirClients, FhirDeliveryChannel } from '@pdp/fhir';
import { PartnerIdentitySealer } from '@pdp/partners';
import { PushDispatcher } from './dispatcher';
import { WebhookSubscriptions } from './subscriptions';
import { PushStore } from './push.store';
import { PushAdminController, WebhookSelfController } from './http/push.controller';

/**
 * Pushing to the partners' own systems: the outbox, the dispatcher that pushes it (webhooks, and
 * the sick-leave alerts' FHIR Tasks), and the partners' webhook settings. Needs PlatformModule,
 * PartnersModule and IdentityModule.
 */
@Module({
  imports: [AuditModule],
  providers: [
    { provide: PushStore, inject: [DATABASE, HUB_CONFIG], useFactory: (db: Database, config: HubConfig) => new PushStore(db, { webhook: config.webhooks, fhir: config.fhirRetry }) },
    {
      provide: PushDispatcher,
      inject: [PushStore, IdentityKeyring, PartnerIdentitySealer, IdentityVault, AuditTrail, HUB_CONFIG],
      useFactory: (store: PushStore, keyring: IdentityKeyring, sealer: PartnerIdentitySealer, vault: IdentityVault, audit: AuditTrail, config: HubConfig) =>
        new PushDispatcher({
          store,
          keyring,
          sealer,
          vault,
          fhir: new FhirDeliveryChannel(new FhirClients({}, { allowPrivate: config.access.allowPrivatePartnerUrls })),
          audit,
          allowPrivateUrls: config.access.allowPrivatePartnerUrls,
          timeoutMs: config.webhooks.timeoutMs,
          retry: { webhook: config.webhooks, fhir: config.fhirRetry },
        }),
    },
    {
      provide: WebhookSubscriptions,
      inject: [PushStore, IdentityKeyring, AuditTrail, HUB_CONFIG],
      useFactory: (store: PushStore, keyring: IdentityKeyring, audit: AuditTrail, config: HubConfig) => new WebhookSubscriptions(store, keyring, audit, config.access.allowPrivatePartnerUrls),
    },
  ],
  exports: [PushStore, PushDispatcher, WebhookSubscriptions],
})
export class PushModule {}

/** Pushes the due events every WEBHOOK_POLL_MS, as many rounds as there is work. */
@Injectable()
class PushPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: RepeatingTask;

  constructor(dispatcher: PushDispatcher, @Inject(HUB_CONFIG) config: HubConfig) {
    this.task = new RepeatingTask('Push', config.webhooks.pollMs, async () => (await dispatcher.dispatchDue(100)).claimed === 100, 20);
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): void {
    this.task.stop();
  }
}

/** The process that pushes (the router service, or the whole hub). */
@Module({ imports: [PushModule], providers: [PushPoller] })
export class PushDeliveryModule {}

/** The HTTP face: a partner's own webhook settings, the operators' settings, list and replay of the pushes. */
@Module({ imports: [PushModule], controllers: [WebhookSelfController, PushAdminController] })
export class PushHttpModule {}
