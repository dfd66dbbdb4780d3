import { failureKind } from '@pdp/bus';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { Request, Response } from 'express';
import { Observable, throwError } from 'rxjs';

export interface ProblemViolation {
  path: string;
  message: string;
}

/** RFC 7807 problem details; `errors` lists every violation when there are several. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    title: string,
    detail?: string,
    readonly errors?: ProblemViolation[],
  ) {
    super({ title, detail, errors }, status);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

/** PostgreSQL's SQLSTATE for a unique constraint violated. */
const UNIQUE_VIOLATION = '23505';

/** Seconds a client waits before sending again what was answered 503 (the database or the broker did not answer). */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

/**
 * The violations a problem lists, the rest only counted: a 10 MB file of bad lines once made a
 * 186 MB answer that echoed every line. Each path and message is cut as well (they may quote
 * the sender's values).
 */
export const MAX_LISTED_ERRORS = 100;
const MAX_TEXT = 300;

function cut(s: unknown, max = MAX_TEXT): string {
  const text = typeof s === 'string' ? s : String(s);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The first MAX_LISTED_ERRORS violations, cut to size, and how many were left out. */
export function boundedErrors(errors: readonly ProblemViolation[]): { listed: ProblemViolation[]; more: number } {
  return {
    listed: errors.slice(0, MAX_LISTED_ERRORS).map((e) => ({ path: cut(e?.path ?? ''), message: cut(e?.message ?? '') })),
    more: Math.max(0, errors.length - MAX_LISTED_ERRORS),
  };
}

/**
 * An error of the http-errors kind (body-parser: 'entity.too.large' 413, 'charset.unsupported'
 * and 'encoding.unsupported' 415, 'entity.parse.failed' 400…). The Express adapter turns them
 * into HttpExceptions before filters run, but one that reaches a filter as it is must keep its
 * 4xx status, not become a 500.
 */
function clientHttpError(e: unknown): { status: number; message?: string } | undefined {
  if (!(e instanceof Error)) return undefined;
  const { status, statusCode, expose } = e as Error & { status?: unknown; statusCode?: unknown; expose?: unknown };
  const code = typeof statusCode === 'number' ? statusCode : status;
  if (typeof code !== 'number' || code < 400 || code >= 500) return undefined;
  return { status: code, message: expose === false ? undefined : e.message };
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    // Global filters also see the bus handlers of hybrid apps: there, the error must reach the
    // transport untouched so the batch is retried (not answered as HTTP).
    if (host.getType() !== 'http') return throwError(() => exception);
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const client = exception instanceof HttpException ? undefined : clientHttpError(exception);
    // The database or the broker did not answer: nothing was accepted, and the same request will
    // succeed once they do. A 503 with Retry-After says so; a 500 would say the hub is broken.
    const unavailable = !(exception instanceof HttpException) && !client && failureKind(exception) === 'transient';
    // Two requests racing for one unique value (an id, a key): the loser conflicts with what the winner stored.
    const conflict = !(exception instanceof HttpException) && (exception as { code?: unknown })?.code === UNIQUE_VIOLATION;
    const status =
      exception instanceof HttpException
        ? exception.getStatus()
        : (client?.status ?? (unavailable ? HttpStatus.SERVICE_UNAVAILABLE : conflict ? HttpStatus.CONFLICT : HttpStatus.INTERNAL_SERVER_ERROR));
    const body = exception instanceof HttpException ? exception.getResponse() : undefined;
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    if (status >= 500) this.logger.error(`${req.method} ${req.path}: ${(exception as Error)?.message}`);
    const title = typeof fields.title === 'string' ? fields.title : (TITLES[status] ?? 'Error');
    let detail =
      typeof fields.detail === 'string'
        ? fields.detail
        : exception instanceof HttpException && status < 500
          ? exception.message
          : unavailable
            ? 'the hub cannot reach its database or its broker right now; nothing was accepted, send it again after Retry-After'
            : conflict
              ? 'another request stored the same unique value first; read the current state and try again'
              : client?.message;
    // A 503 (the database or the broker) takes seconds to heal; a 429 (a burst) a second.
    if (status === 503 || status === 429) res.setHeader('Retry-After', String(status === 503 ? UNAVAILABLE_RETRY_AFTER_S : 1));
    const errors = Array.isArray(fields.errors) ? boundedErrors(fields.errors as ProblemViolation[]) : undefined;
    if (errors?.more) detail = `${detail ? `${detail}; ` : ''}the first ${errors.listed.length} are listed, … and ${errors.more} more`;
    res
      .status(status)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: status === 400 && errors ? 'https://pdp-hub.fr/problems/contract-violation' : 'about:blank',
          title,
          status,
          ...(detail && detail !== title ? { detail: cut(detail, 4 * MAX_TEXT) } : {}),
          instance: req.originalUrl,
          ...(errors ? { errors: errors.listed, ...(errors.more ? { errorsNotListed: errors.more } : {}) } : {}),
        }),
      );
  }
}
