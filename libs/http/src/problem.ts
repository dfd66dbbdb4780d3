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
  500: 'Internal server error',
};

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
    const status = exception instanceof HttpException ? exception.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
    const body = exception instanceof HttpException ? exception.getResponse() : undefined;
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    if (status >= 500) this.logger.error(`${req.method} ${req.path}: ${(exception as Error)?.message}`);
    const title = typeof fields.title === 'string' ? fields.title : (TITLES[status] ?? 'Error');
    const detail = typeof fields.detail === 'string' ? fields.detail : exception instanceof HttpException && status < 500 ? exception.message : undefined;
    res
      .status(status)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: status === 400 && fields.errors ? 'https://pdp-hub.fr/problems/contract-violation' : 'about:blank',
          title,
          status,
          ...(detail && detail !== title ? { detail } : {}),
          instance: req.originalUrl,
          ...(fields.errors ? { errors: fields.errors } : {}),
        }),
      );
  }
}
