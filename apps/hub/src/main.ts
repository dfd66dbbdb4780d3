import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { startTracing } from '@pdp/telemetry';
import { loadConfig } from '@pdp/config';
import { runHub } from './hub.module';

/** Composition root of `npm start`: embedded PostgreSQL (PGlite), in-process bus, demo data, the console at /. */
async function bootstrap() {
  const config = loadConfig(process.env);
  startTracing('pdp-hub', config.telemetry);
  const logger = new Logger('hub');
  const { url, demo } = await runHub(config);
  if (demo) {
    logger.log(`demo data loaded: ${demo.summary}`);
    for (const p of demo.partnerKeys) logger.log(`demo partner ${p.partnerId} (${p.category}) API key: ${p.apiKey}`);
  }
  logger.log(
    `pdp-hub (${config.mode}) listening on ${url} (console at ${url}/)  ${config.adminApiKey && config.access.apiKeysEnabled ? `admin key: ${config.mode === 'embedded' ? config.adminApiKey : '(from ADMIN_API_KEY)'}` : 'operators: the accounts of ACCOUNTS_FILE'}`,
  );
}

void bootstrap();
