import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { NextFunction, Request, Response } from 'express';
import { unstorableText } from '@pdp/contracts';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { isAdminKey, PARTNER_AUTHENTICATOR, PartnerAuthenticator, presentedKey } from './auth';
import { ProblemException } from './problem';

/**
 * Every request that carries a body (POST, PUT, PATCH) is authenticated before the body is
 * read: without a partner's or the operators' key it is answered 401 at once, and the
 * connection closed, so an anonymous caller cannot make the hub buffer megabytes. The guards
 * then decide what the authenticated caller may do.
 */
export function authenticateBeforeBody(app: INestApplication) {
  const partners = app.get<PartnerAuthenticator>(PARTNER_AUTHENTICATOR, { strict: false });
  const config = app.get<HubConfig>(HUB_CONFIG, { strict: false });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return next();
    const refuse = () => {
      res.setHeader('Connection', 'close');
      next(new ProblemException(401, 'Unauthorized', 'Authenticate with a partner key or the operators\' key ("Authorization: Bearer <key>" or "X-Api-Key") before sending a body.'));
    };
    const key = presentedKey(req);
    if (!key) return refuse();
    if (isAdminKey(key, config.adminApiKey)) return next();
    partners.authenticate(key).then((p) => (p ? next() : refuse()), next);
  };
}

/** Body parsers shared by every app that serves the HTTP API (create the app with bodyParser: false). */
export function configureHttp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.use(authenticateBeforeBody(app));
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
