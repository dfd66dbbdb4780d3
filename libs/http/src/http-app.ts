import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';

/** Body parsers shared by every app that serves the HTTP API (create the app with bodyParser: false). */
export function configureHttp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.useBodyParser('json', { limit: '1mb', type: ['application/json', 'application/*+json'] });
  express.useBodyParser('text', { limit: '20mb', type: 'text/csv' });
  app.enableShutdownHooks();
}
