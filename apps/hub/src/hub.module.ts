import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HubConfig } from '@pdp/config';
import { PlatformAdapters, PlatformModule } from '@pdp/platform';
import { AccessHttpModule, AccessModule } from '@pdp/access';
import { ConsumerGroups, connectWorker, METRICS_TRANSPORT, NORMALIZER_TRANSPORT, ROUTER_TRANSPORT, SIGNALEMENTS_TRANSPORT } from '@pdp/bus';
import { configureHttp, HttpModule, httpsOptions } from '@pdp/http';
import { AuditModule } from '@pdp/audit';
import { RoutingRulesModule } from '@pdp/routing-rules';
import { DeadLettersModule } from '@pdp/dead-letters';
import { PartnersHttpModule, PartnersModule } from '@pdp/partners';
import { IdentityModule } from '@pdp/identity';
import { InboxHttpModule } from '@pdp/inbox';
import { SickLeaveHttpModule, SickLeaveNormalizerModule, SickLeaveRouterModule } from '@pdp/sick-leave';
import { SignalementsConsumerModule, SignalementsHttpModule } from '@pdp/signalements';
import { OpsHttpModule } from '@pdp/ops';
import { PushDeliveryModule, PushHttpModule } from '@pdp/push';
import { ErasureHttpModule } from '@pdp/erasure';
import { OutcomesConsumerModule, OutcomesHttpModule } from '@pdp/outcomes';
import { MESSAGE_BUS } from '@pdp/bus';
import { AdhesionDirectory, PartnerRegistry } from '@pdp/partners';
import { DemoResult, loadDemoData } from '@pdp/demo';

/** The whole hub in one app: every flow's HTTP face and every consumer group. */
@Module({})
export class HubModule {
  static forRoot(config: HubConfig, adapters: PlatformAdapters = {}): DynamicModule {
    return {
      module: HubModule,
      imports: [
        PlatformModule.forRoot(config, adapters),
        HttpModule,
        AuditModule,
        RoutingRulesModule,
        DeadLettersModule,
        PartnersModule,
        AccessModule,
        AccessHttpModule,
        IdentityModule,
        PartnersHttpModule,
        InboxHttpModule,
        SickLeaveHttpModule,
        SickLeaveNormalizerModule,
        SickLeaveRouterModule,
        SignalementsHttpModule,
        OpsHttpModule,
        ErasureHttpModule,
        SignalementsConsumerModule,
        OutcomesHttpModule,
        OutcomesConsumerModule,
        PushHttpModule,
        PushDeliveryModule,
      ],
    };
  }
}

/**
 * The whole hub in one Nest application, on whatever bus and database the configuration (or a
 * test's adapters) gives: the HTTP API plus the four consumer groups.
 */
export async function createHub(config: HubConfig, adapters: PlatformAdapters = {}): Promise<INestApplication> {
  const app = await NestFactory.create(HubModule.forRoot(config, adapters), { bodyParser: false, httpsOptions: httpsOptions(config), bufferLogs: true });
  configureHttp(app);
  connectWorker(app, ConsumerGroups.normalizer, NORMALIZER_TRANSPORT);
  connectWorker(app, ConsumerGroups.router, ROUTER_TRANSPORT);
  connectWorker(app, ConsumerGroups.metrics, METRICS_TRANSPORT);
  connectWorker(app, ConsumerGroups.signalements, SIGNALEMENTS_TRANSPORT);
  await app.startAllMicroservices();
  return app;
}

/**
 * `npm start`: the hub, its demo data when the configuration asks for it (published before the
 * port opens, processed in the background), listening on the configured port (0: any free one).
 */
export async function runHub(config: HubConfig, adapters: PlatformAdapters = {}): Promise<{ app: INestApplication; url: string; demo?: DemoResult }> {
  const app = await createHub(config, adapters);
  const demo = config.demoData ? await loadDemoData({ partners: app.get(PartnerRegistry), directory: app.get(AdhesionDirectory), bus: app.get(MESSAGE_BUS) }) : undefined;
  await app.listen(config.http.port, config.http.host);
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http${config.https ? 's' : ''}://${config.http.host}:${address.port}`, demo };
}
