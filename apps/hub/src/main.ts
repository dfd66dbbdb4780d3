import 'reflect-metadata';
import { startTracing } from '@pdp/telemetry';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@pdp/config';
import { loadDemoData } from '@pdp/demo';
import { createHub } from './hub';

/** Composition root of `npm start`: embedded PostgreSQL (PGlite), in-process bus, demo data. */
async function bootstrap() {
  startTracing('pdp-hub');
  const config = loadConfig(process.env);
  const logger = new Logger('hub');
  const { app, runtime } = await createHub(config);
  if (config.demoData) {
    const demo = await loadDemoData(runtime);
    logger.log(`demo data loaded: ${demo.summary}`);
    for (const p of demo.partnerKeys) logger.log(`demo partner ${p.partnerId} (${p.category}) API key: ${p.apiKey}`);
  }
  await app.listen(config.http.port, config.http.host);
  logger.log(`pdp-hub (${config.mode}) listening on http://${config.http.host}:${config.http.port}  admin key: ${config.mode === 'embedded' ? config.adminApiKey : '(from ADMIN_API_KEY)'}`);
}

void bootstrap();
