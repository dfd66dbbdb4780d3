import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { NextFunction, Request, Response } from 'express';
import { unstorableText } from '@pdp/contracts';
import { ProblemException } from './problem';

/** Body parsers shared by every app that serves the HTTP API (create the app with bodyParser: false). */
export function configureHttp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.useBodyParser('json', { limit: '1mb', type: ['application/json', 'application/*+json'] });
  express.useBodyParser('text', { limit: '20mb', type: 'text/csv' });
  express.use(refuseUnstorableText);
  app.enableShutdownHooks();
}

/**
 * No NUL character (and no unpaired surrogate) gets past the HTTP edge, wherever it is: in the
 * path or query (`%00`), or anywhere in a JSON or CSV body. PostgreSQL refuses them in text and
 * jsonb, so the request would otherwise end in a 500 from whichever statement meets them first
 * (a look-up by id, a partner's name), or be accepted and fail its batch later. The contracts
 * refuse them too (libs/contracts validators), for what comes over Kafka.
 */
export function refuseUnstorableText(req: Request, _res: Response, next: NextFunction): void {
  if (/%00/i.test(req.url) || req.url.includes('\u0000')) {
    return next(new ProblemException(400, 'Bad request', 'The path or query holds a NUL character (%00)'));
  }
  const violations = req.body === undefined ? [] : unstorableText(req.body);
  if (violations.length) return next(new ProblemException(400, 'The request holds text that cannot be stored', `${violations.length} violation(s)`, violations));
  next();
}
