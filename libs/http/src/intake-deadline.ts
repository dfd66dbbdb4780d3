import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, Observable, throwError, timeout, TimeoutError } from 'rxjs';
import { ProblemException } from './problem';

/**
 * How long an intake waits for its message to be on the bus before answering 503: a broker that
 * does not answer would otherwise hold the sender's request for the producer's whole retry
 * schedule (about 30 s). The message may still reach the broker afterwards; the sender, told to
 * try again, sends the same message id, which the hub takes once (docs/faults.md).
 */
export const INTAKE_DEADLINE_MS = 10_000;

/** Answers 503 with Retry-After when an intake's publish takes longer than INTAKE_DEADLINE_MS. */
@Injectable()
export class IntakeDeadline implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      timeout(INTAKE_DEADLINE_MS),
      catchError((e: unknown) =>
        throwError(() =>
          e instanceof TimeoutError
            ? new ProblemException(
                503,
                'Service unavailable',
                `the message could not be put on the hub's bus within ${INTAKE_DEADLINE_MS / 1000} s; it may not have been accepted: send it again after Retry-After`,
              )
            : e,
        ),
      ),
    );
  }
}
