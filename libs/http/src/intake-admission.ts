import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@pdp/config';
import { hubMetrics } from '@pdp/observability';
import { catchError, finalize, Observable, throwError, timeout, TimeoutError } from 'rxjs';
import { ProblemException } from './problem';

/**
 * How long an intake waits for its message to be on the bus before answering 503: a broker that
 * does not answer would otherwise hold the sender's request for the producer's whole retry
 * schedule (about 30 s). The message may still reach the broker afterwards; the sender, told to
 * try again, sends the same message id, which the hub takes once (docs/faults.md).
 */
export const INTAKE_DEADLINE_MS = 10_000;

/** Intake requests being handled by this process, all intake routes together. */
let inFlight = 0;

/**
 * Admission and deadline of the intake routes (docs/faults.md, "Load"): beyond
 * HTTP_MAX_IN_FLIGHT_INTAKES requests at once, a request is answered 429 with Retry-After before
 * it is validated or published (a burst then costs the senders a retry rather than every request
 * its latency); an intake whose publish takes longer than INTAKE_DEADLINE_MS is
 * answered 503 with Retry-After.
 */
@Injectable()
export class IntakeAdmission implements NestInterceptor {
  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (inFlight >= this.config.http.maxInFlightIntakes) {
      hubMetrics.intakesShed.inc();
      return throwError(() => new ProblemException(429, 'Too many requests', `the hub is handling ${inFlight} intake requests; send it again after Retry-After`));
    }
    inFlight++;
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
      finalize(() => inFlight--),
    );
  }
}
