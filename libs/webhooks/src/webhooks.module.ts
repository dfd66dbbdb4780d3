import { Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AuditModule, AuditTrail } from '@pdp/audit';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { Database, DATABASE } from '@pdp/db';
import { IdentityKeyring } from '@pdp/identity';
import { PartnerIdentitySealer } from '@pdp/partners';
import { WebhookDispatcher } from './dispatcher';
import { WebhookSubscriptions } from './subscriptions';
import { WebhookStore } from './webhook.store';
import { WebhooksAdminController, WebhookSelfController } from './http/webhooks.controller';

/**
 * The partners' webhooks: their outbox, the dispatcher that calls them, and their settings.
 * Needs PlatformModule, PartnersModule and IdentityModule.
 */
@Module({
  imports: [AuditModule],
  providers: [
    { provide: WebhookStore, inject: [DATABASE, HUB_CONFIG], useFactory: (db: Database, config: HubConfig) => new WebhookStore(db, config.webhooks) },
    {
      provide: WebhookDispatcher,
      inject: [WebhookStore, IdentityKeyring, PartnerIdentitySealer, AuditTrail, HUB_CONFIG],
      useFactory: (store: WebhookStore, keyring: IdentityKeyring, sealer: PartnerIdentitySealer, audit: AuditTrail, config: HubConfig) =>
        new WebhookDispatcher({
          store,
          keyring,
          sealer,
          audit,
          allowPrivateUrls: config.access.allowPrivatePartnerUrls,
          timeoutMs: config.webhooks.timeoutMs,
          maxAttempts: config.webhooks.maxAttempts,
        }),
    },
    {
      provide: WebhookSubscriptions,
      inject: [WebhookStore, IdentityKeyring, AuditTrail, HUB_CONFIG],
      useFactory: (store: WebhookStore, keyring: IdentityKeyring, audit: AuditTrail, config: HubConfig) => new WebhookSubscriptions(store, keyring, audit, config.access.allowPrivatePartnerUrls),
    },
  ],
  exports: [WebhookStore, WebhookDispatcher, WebhookSubscriptions],
})
export class WebhooksModule {}

/** Calls the due webhooks every WEBHOOK_POLL_MS, as many rounds as there is work. */
@Injectable()
class WebhookPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly dispatcher: WebhookDispatcher,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.webhooks.pollMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let round = 0; round < 20; round++) if ((await this.dispatcher.dispatchDue(100)).claimed < 100) break;
    } catch (e) {
      this.logger.warn(`webhook round failed: ${(e as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}

/** The process that calls the webhooks (the router service, or the whole hub). */
@Module({ imports: [WebhooksModule], providers: [WebhookPoller] })
export class WebhookDeliveryModule {}

/** The webhooks' HTTP face: a partner's own settings, the operators' settings, list and replay. */
@Module({ imports: [WebhooksModule], controllers: [WebhookSelfController, WebhooksAdminController] })
export class WebhooksHttpModule {}
