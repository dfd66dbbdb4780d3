import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { startTracing } from '@pdp/telemetry';
import { loadConfig } from '@pdp/config';
import { MESSAGE_BUS } from '@pdp/bus';
import { AdhesionDirectory, PartnerRegistry } from '@pdp/partners';
import { loadDemoData } from '@pdp/demo';
import { createHub } from './hub.module';

/** Composition root of `npm start`: embedded PostgreSQL (PGlite), in-process bus, demo data. */
async function bootstrap() {
  const config = loadConfig(process.env);
  startTracing('pdp-hub', config.telemetry);
  const logger = new Logger('hub');
  const app = await createHub(config);
  if (config.demoData) {
    const demo = await loadDemoData({ partners: app.get(PartnerRegistry), directory: app.get(AdhesionDirectory), bus: app.get(MESSAGE_BUS) });
    logger.log(`demo data loaded: ${demo.summary}`);
    for (const p of demo.partnerKeys) logger.log(`demo partner ${p.partnerId} (${p.category}) API key: ${p.apiKey}`);
  }
  await app.listen(config.http.port, config.http.host);
  logger.log(
    `pdp-hub (${config.mode}) listening on http://${config.http.host}:${config.http.port}  ${config.adminApiKey && config.access.apiKeysEnabled ? `admin key: ${config.mode === 'embedded' ? config.adminApiKey : '(from ADMIN_API_KEY)'}` : 'operators: the accounts of ACCOUNTS_FILE'}`,
  );
}

void bootstrap();
