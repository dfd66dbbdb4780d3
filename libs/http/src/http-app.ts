import { INestApplication } from '@nestjs/common';
import type { HttpsOptions } from '@nestjs/common/interfaces/external/https-options.interface';
import { HubConfig } from '@pdp/config';
import { hubMetrics } from '@pdp/observability';
import { startServerSpan } from '@pdp/telemetry';
import { context, SpanStatusCode } from '@opentelemetry/api';
import { NestExpressApplication } from '@nestjs/platform-express';
import { NextFunction, Request, Response } from 'express';
import { unstorableText } from '@pdp/contracts';
import { CALLER_AUTHENTICATOR, CallerAuthenticator, principalOf } from './auth';
import { ProblemException } from './problem';
import { serveApiDocs } from './api-docs';
import { serveConsole } from './console';
import { Logger as JsonLogger } from 'nestjs-pino';

/** The routes an anonymous caller may send a (small) body to: the token endpoint. */
const ANONYMOUS_BODY_PATHS = new Set(['/oauth/token']);

/**
 * Every request that carries a body (POST, PUT, PATCH) is authenticated before the body is
 * read: an anonymous one is answered 401 at once, and the connection closed, so an anonymous
 * caller cannot make the hub buffer megabytes (the token endpoint's form body is limited to a
 * few KiB). The guards then decide what the authenticated caller may do.
 */
export function authenticateBeforeBody(app: INestApplication) {
  const authenticator = app.get<CallerAuthenticator>(CALLER_AUTHENTICATOR, { strict: false });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return next();
    if (ANONYMOUS_BODY_PATHS.has(req.path)) return next();
    principalOf(req, authenticator).then(
      () => next(),
      (e) => {
        res.setHeader('Connection', 'close');
        next(e);
      },
    );
  };
}

/**
 * pdp_http_requests_total and pdp_http_request_duration_seconds, by route template (never the
 * path itself: it holds ids), for every request however it ended.
 */
function countRequests(req: Request, res: Response, next: NextFunction): void {
  const end = hubMetrics.httpSeconds.startTimer();
  res.on('finish', () => {
    const route = (req as Request & { route?: { path?: string } }).route?.path;
    const labels = { method: req.method, route: route ? `${req.baseUrl}${route}` : 'unmatched' };
    end(labels);
    hubMetrics.httpRequests.inc({ ...labels, status: String(res.statusCode) });
  });
  next();
}

/**
 * A server span per request when tracing is on: what the request publishes carries its trace
 * context on, so an accepted sick leave's trace starts here (docs/operations.md, "Traces").
 */
function traceRequests(req: Request, res: Response, next: NextFunction): void {
  const started = startServerSpan(req.method, req.headers);
  if (!started) return next();
  const { span } = started;
  res.on('finish', () => {
    const route = (req as Request & { route?: { path?: string } }).route?.path;
    if (route) {
      span.updateName(`${req.method} ${req.baseUrl}${route}`);
      span.setAttribute('http.route', `${req.baseUrl}${route}`);
    }
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(started.context, next);
}

/** Body parsers shared by every app that serves the HTTP API (create the app with bodyParser: false). */
export function configureHttp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  app.useLogger(app.get(JsonLogger));
  express.use(countRequests);
  express.use(traceRequests);
  // A partner's name or a free-text field may hold markup someone sent; the API answers it as
  // JSON, and a browser must never sniff such an answer into a page (docs/faults.md).
  express.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  express.use(authenticateBeforeBody(app));
  express.useBodyParser('json', { limit: '1mb', type: ['application/json', 'application/*+json'] });
  express.useBodyParser('text', { limit: '20mb', type: 'text/csv' });
  // Only the token endpoint takes a form (RFC 6749 §4.4), and it is anonymous: a few KiB at most.
  express.useBodyParser('urlencoded', { limit: '4kb', extended: false });
  express.use(refuseUnstorableText);
  serveApiDocs(app);
  serveConsole(app);
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

/**
 * HTTPS options when the configuration gives a certificate: with a client CA, the server asks
 * for a client certificate (mutual TLS) but does not require one, since partners may also use
 * access tokens; the caller authenticator accepts a certificate the CA verified.
 */
export function httpsOptions(config: Pick<HubConfig, 'https'>): HttpsOptions | undefined {
  const https = config.https;
  if (!https) return undefined;
  return { cert: https.cert, key: https.key, ...(https.clientCa ? { ca: https.clientCa, requestCert: true, rejectUnauthorized: false } : {}) };
}
