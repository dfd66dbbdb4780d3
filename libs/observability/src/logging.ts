import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { DestinationStream, LoggerOptions } from 'pino';
import type { Options } from 'pino-http';
import { activeTraceIds } from '@pdp/telemetry';

/**
 * The fields that hold a person's identity in the hub's messages (the contracts' Worker, and the
 * objects that wrap it). Whoever runs the hub is entitled to none of them: they are redacted from
 * log lines and masked wherever ops see a payload (docs/security.md, "Personal data").
 */
export const IDENTITY_FIELDS = ['nir', 'ins', 'worker', 'identity', 'birthName', 'usedName', 'firstNames', 'birthDate'] as const;

/** The identity fields one or two levels down in a logged object, and the credentials a request carries. */
export const REDACTED_PATHS = [...IDENTITY_FIELDS, ...IDENTITY_FIELDS.map((f) => `*.${f}`), 'req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'res.headers["set-cookie"]'];

/**
 * A NIR (13 digits and its 2-digit key) or an INS-NIR inside a message string: the last line of
 * defence when a message is built from text. Any 13- or 15-digit run starting as a NIR does
 * (1 or 2) is replaced, a millisecond timestamp included, which costs nothing to an operator.
 */
const NIR_LIKE = /\b[12]\d{12}(?:\d{2})?\b/g;

export function scrubIdentifiers(text: string): string {
  return text.replace(NIR_LIKE, '[redacted]');
}

const IDENTITY = new Set<string>(IDENTITY_FIELDS);
/** What an identity object holds that identifies nobody: where the worker lives (a département), the INS's issuer. */
const NOT_IDENTIFYING = new Set(['departement', 'oid']);

/**
 * A payload as an operator may see it: every identity field's value (at any depth) replaced by
 * "[masked]", NIR-shaped numbers in other strings too; the shape, the dates and the codes stay,
 * which is what a failed message is diagnosed from. A worker object keeps its keys and its
 * département, the rest masked.
 */
export function maskIdentity(value: unknown, depth = 0, inIdentity = false): unknown {
  if (depth > 64) return '[masked]';
  if (typeof value === 'string') return scrubIdentifiers(value);
  if (Array.isArray(value)) return value.map((v) => maskIdentity(v, depth + 1, inIdentity));
  if (value === null || typeof value !== 'object') return value;
  // No prototype: a "__proto__" key of the payload stays a plain key.
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(value)) {
    const identity = inIdentity ? !NOT_IDENTIFYING.has(k) : IDENTITY.has(k);
    if (identity && v !== null && typeof v === 'object') out[k] = maskIdentity(v, depth + 1, true);
    else out[k] = identity ? '[masked]' : maskIdentity(v, depth + 1, inIdentity);
  }
  return out;
}

export interface LogSettings {
  service: string;
  level: string;
  /** A file to append to; standard output when absent. */
  file?: string;
}

/** Where the lines go: a file (created if absent) or the process's standard output stream. */
export function logDestination(settings: LogSettings): DestinationStream {
  return settings.file ? pino.destination({ dest: settings.file, mkdir: true, sync: false }) : process.stdout;
}

/**
 * The hub's pino options: one JSON object per line with the service, the trace and span ids
 * of the active trace, identity fields redacted and NIR-like numbers scrubbed from messages.
 */
export function loggerOptions(settings: LogSettings): LoggerOptions {
  return {
    level: settings.level,
    base: { service: settings.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    mixin: () => activeTraceIds() ?? {},
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? scrubIdentifiers(a) : a)) as Parameters<typeof method>);
      },
    },
  };
}

/** Paths whose requests are not worth an access-log line: probes and scrapes, every few seconds. */
const QUIET_PATHS = /^\/(health(\/|$)|metrics$)/;

/**
 * pino-http's options for the access log: one line per request with its method, path (no
 * query string: it may hold ids), status and duration; never a header or a body.
 */
export function accessLogOptions(settings: LogSettings): Options<IncomingMessage, ServerResponse> {
  return {
    ...loggerOptions(settings),
    autoLogging: { ignore: (req) => QUIET_PATHS.test((req.url ?? '').split('?')[0]) },
    quietReqLogger: true,
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, path: (req.url ?? '').split('?')[0] }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    customSuccessMessage: (req, res, responseTime) => `${req.method} ${(req.url ?? '').split('?')[0]} ${res.statusCode} ${Math.round(responseTime)}ms`,
    customErrorMessage: (req, res) => `${req.method} ${(req.url ?? '').split('?')[0]} ${res.statusCode}`,
  };
}
