import * as path from 'path';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * Checks real HTTP responses against the OpenAPI documents (contracts/openapi): the operation's
 * documented response for that status and content type, its schema resolved (the contracts of
 * contracts/schemas/ included) and the body validated with ajv. A test writes
 * `await documented(res, 'GET /v1/inbox/{itemId}')` after its own expectations.
 */

const DOCUMENTS = ['gateway.v1.yaml', 'signalements.v1.yaml', 'metrics.v1.yaml'].map((f) => path.join(__dirname, '..', '..', 'contracts', 'openapi', f));

/** What the check reads of a supertest response. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text: string;
}

type Json = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

let operations: Promise<Map<string, Operation>> | undefined;
const validators = new Map<string, ValidateFunction>();
// The contracts' own ajv options; OpenAPI's extra keywords are annotations here.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
ajv.addVocabulary(['discriminator', 'example', 'xml', 'externalDocs']);

/** "GET /v1/inbox" → the operation, from the first document that has it. */
function load(): Promise<Map<string, Operation>> {
  operations ??= (async () => {
    const byKey = new Map<string, Operation>();
    for (const file of DOCUMENTS) {
      const api = (await SwaggerParser.dereference(file)) as unknown as { paths: Record<string, Record<string, Operation>> };
      for (const [p, item] of Object.entries(api.paths))
        for (const [method, op] of Object.entries(item))
          if (op && typeof op === 'object' && 'responses' in op && !byKey.has(`${method.toUpperCase()} ${p}`)) byKey.set(`${method.toUpperCase()} ${p}`, op);
    }
    return byKey;
  })();
  return operations;
}

/**
 * The dereferenced schemas inline whole contract files, each with its `$schema` and `$id`: once
 * every `$ref` is resolved they only get in ajv's way (one `$id` met twice), so they go.
 */
function withoutIds(schema: unknown, seen = new Map<object, unknown>()): unknown {
  if (Array.isArray(schema)) return schema.map((s) => withoutIds(s, seen));
  if (schema === null || typeof schema !== 'object') return schema;
  if (seen.has(schema)) return seen.get(schema);
  const copy: Json = {};
  seen.set(schema, copy);
  for (const [k, v] of Object.entries(schema)) if (k !== '$id' && k !== '$schema') copy[k] = withoutIds(v, seen);
  return copy;
}

function validator(key: string, schema: Json | undefined): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(withoutIds(schema ?? {}) as Json);
    validators.set(key, validate);
  }
  return validate;
}

/** Compiles the schema of every documented JSON response (a strict-mode mistake shows here); returns their keys. */
export async function compileAllResponses(): Promise<string[]> {
  const keys: string[] = [];
  for (const [operation, op] of await load())
    for (const [status, response] of Object.entries(op.responses))
      for (const [type, media] of Object.entries(response.content ?? {}))
        if (/^application\/(.+\+)?json$/.test(type)) {
          validator(`${operation} ${status} ${type}`, media.schema);
          keys.push(`${operation} ${status} ${type}`);
        }
  return keys;
}

/**
 * Throws unless the response is documented for `operation` ("METHOD /path/{template}"): its
 * status, its content type and, for JSON, its body against the schema. Returns the response.
 */
export async function documented<R extends HttpResponse>(res: R, operation: string): Promise<R> {
  const op = (await load()).get(operation);
  if (!op) throw new Error(`${operation} is not in the OpenAPI documents`);
  const status = String(res.status);
  const response = op.responses[status] ?? op.responses[`${status[0]}XX`] ?? op.responses.default;
  if (!response) throw new Error(`${operation} answered ${status}, which its document does not list (${Object.keys(op.responses).join(', ')})`);
  const type = (res.headers['content-type'] ?? '').split(';')[0].trim();
  const media = response.content?.[type];
  if (!media) throw new Error(`${operation} ${status} answered ${type || 'no content type'}, which its document does not list (${Object.keys(response.content ?? {}).join(', ')})`);
  if (!/^application\/(.+\+)?json$/.test(type)) {
    if (typeof res.text !== 'string') throw new Error(`${operation} ${status}: no ${type} text`);
    return res;
  }
  const validate = validator(`${operation} ${status} ${type}`, media.schema);
  if (!validate(res.body)) {
    const errors = (validate.errors ?? []).map((e) => `  ${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`).slice(0, 20);
    throw new Error(`${operation} ${status}: the body does not match its documented schema\n${errors.join('\n')}\nbody: ${JSON.stringify(res.body).slice(0, 2000)}`);
  }
  return res;
}
