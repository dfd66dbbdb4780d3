import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { dateFormats } from './date-formats';
import * as fs from 'fs';
import * as path from 'path';

/** One violation of a contract, as reported to senders (RFC 7807 `errors`) and dead letters. */
export interface Violation {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; violations: Violation[] };

/** A compiled contract: validates unknown input and narrows it to the generated type. */
export interface Contract<T> {
  readonly id: string;
  validate(input: unknown): ValidationResult<T>;
}

export function schemaDir(): string {
  // Works from sources (ts-jest) and from dist/ (compiled): walk up until contracts/schemas exists.
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'contracts', 'schemas');
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`contracts/schemas not found above ${__dirname}`);
}

function toViolation(e: ErrorObject): Violation {
  const at = e.instancePath || '/';
  if (e.keyword === 'additionalProperties') {
    return { path: `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`, message: 'is not allowed' };
  }
  if (e.keyword === 'required') {
    return { path: `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`, message: 'is required' };
  }
  return { path: at, message: e.message ?? e.keyword };
}

/** Loads every schema of contracts/schemas into one ajv instance; compiled once per process. */
export class ContractRegistry {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(dir = schemaDir()) {
    this.ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats(this.ajv);
    // Same verdicts as ajv-formats', without its per-value allocations (date-formats.ts).
    for (const [name, format] of Object.entries(dateFormats)) this.ajv.addFormat(name, format);
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.schema.json'))) {
      this.ajv.addSchema(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
    }
  }

  contract<T>(id: string): Contract<T> {
    let fn = this.compiled.get(id);
    if (!fn) {
      fn = this.ajv.getSchema(id);
      if (!fn) throw new Error(`Unknown contract ${id}`);
      this.compiled.set(id, fn);
    }
    const validate = fn;
    return {
      id,
      validate(input: unknown): ValidationResult<T> {
        // JSON Schema has no word for it: text the database cannot store is refused here, with
        // the contract, rather than by PostgreSQL once the message is accepted. A value nested
        // too deep is refused before the schema walks it.
        const unstorable = unstorableText(input);
        if (unstorable.some((v) => v.message.startsWith(TOO_DEEP))) return { ok: false, violations: unstorable };
        const valid = validate(input);
        if (valid && unstorable.length === 0) return { ok: true, value: input as T };
        return { ok: false, violations: dedupe([...(valid ? [] : (validate.errors ?? []).filter(meaningful).map(toViolation)), ...unstorable]) };
      },
    };
  }
}

const isWellFormed = (String.prototype as unknown as { isWellFormed: (this: string) => boolean }).isWellFormed;

function storable(s: string): string | undefined {
  if (s.indexOf('\u0000') !== -1) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (!isWellFormed.call(s)) return 'contains an unpaired UTF-16 surrogate, which is not Unicode text';
  return undefined;
}

function pointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * How deep a message may nest. The contracts' messages nest a few levels; walking (or
 * validating, or storing) a value nested 10,000 deep would overflow the stack, so deeper is
 * refused before anything else looks at it.
 */
const MAX_DEPTH = 64;
const TOO_DEEP = 'is nested deeper than';

/**
 * Strings anywhere in a parsed JSON value (values or property names) that PostgreSQL refuses:
 * a NUL character (text and jsonb have none) or an unpaired surrogate (jsonb refuses its
 * escape). Such a message would pass every other check and then fail its batch at the database.
 * A value nested deeper than MAX_DEPTH is refused too. At most `limit` violations, by JSON pointer.
 */
export function unstorableText(value: unknown, limit = 100): Violation[] {
  // Nearly every message has none: found without building a path per value (the hot path).
  if (!hasUnstorable(value)) return [];
  const out: Violation[] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (out.length >= limit) return;
    if (depth > MAX_DEPTH) {
      out.push({ path: path || '/', message: `${TOO_DEEP} ${MAX_DEPTH} levels` });
      return;
    }
    if (typeof v === 'string') {
      const problem = storable(v);
      if (problem) out.push({ path: path || '/', message: problem });
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], `${path}/${i}`, depth + 1);
    } else if (v !== null && typeof v === 'object') {
      for (const key in v) {
        const problem = storable(key);
        if (problem) {
          if (out.length < limit) out.push({ path: `${path}/${pointer(key)}`, message: `has a name that ${problem}` });
          continue;
        }
        walk((v as Record<string, unknown>)[key], `${path}/${pointer(key)}`, depth + 1);
      }
    }
  };
  walk(value, '', 0);
  return out;
}

function hasUnstorable(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return storable(v) !== undefined;
  if (depth > MAX_DEPTH) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (hasUnstorable(v[i], depth + 1)) return true;
  } else if (v !== null && typeof v === 'object') {
    for (const key in v) if (storable(key) !== undefined || hasUnstorable((v as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

// ajv reports the failing `if` itself besides the real violation; keep the real one.
function meaningful(e: ErrorObject): boolean {
  return e.keyword !== 'if' && e.keyword !== 'anyOf';
}

function dedupe(vs: Violation[]): Violation[] {
  const seen = new Set<string>();
  return vs.filter((v) => {
    const k = `${v.path} ${v.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
