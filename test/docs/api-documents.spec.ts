import 'reflect-metadata';
import * as fs from 'fs';
import * as path from 'path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { DiagnosticSeverity, fromFile, Parser } from '@asyncapi/parser';
import { DynamicModule, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { HubConfig, loadConfig } from '@pdp/config';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';
import { HubModule } from '../../apps/hub/src/hub.module';
import { MetricsAppModule } from '../../apps/metrics/src/metrics.module';
import { NormalizerAppModule } from '../../apps/normalizer/src/normalizer.module';
import { RouterAppModule } from '../../apps/router/src/router.module';
import { SignalementsAppModule } from '../../apps/signalements/src/signalements.module';
import { ROOT } from './doc-paths';

/**
 * The integrators' contract documents match reality: each is valid against its specification
 * (OpenAPI 3.1 with swagger-parser, AsyncAPI with the AsyncAPI parser), every HTTP route of every
 * app is documented, and every documented operation is served and describes its bodies.
 */

const OPENAPI = ['gateway.v1.yaml', 'signalements.v1.yaml', 'metrics.v1.yaml', 'probes.v1.yaml'];
const ASYNCAPI = fs.readdirSync(path.join(ROOT, 'contracts', 'asyncapi')).filter((f) => f.endsWith('.yaml'));
const openapiFile = (name: string) => path.join(ROOT, 'contracts', 'openapi', name);

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** "key: a, b" in a YAML flow mapping makes a key `b` without a value: the usual typo of these documents. */
function keysWithoutValue(value: unknown, at = ''): string[] {
  if (value === null) return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => (v === null ? [] : keysWithoutValue(v, `${at}/${i}`)));
  if (typeof value === 'object') return Object.entries(value as Json).flatMap(([k, v]) => keysWithoutValue(v, `${at}/${k}`));
  return [];
}

describe('OpenAPI documents (contracts/openapi)', () => {
  it.each(OPENAPI)('%s is valid OpenAPI 3.1', async (name) => {
    const api = (await SwaggerParser.validate(openapiFile(name))) as Json;
    expect(api.openapi).toBe('3.1.0');
  });

  it.each(OPENAPI)('%s has no key without a value', async (name) => {
    expect(keysWithoutValue(await SwaggerParser.parse(openapiFile(name)))).toEqual([]);
  });

  it.each(OPENAPI)('%s gives a schema to every request body and every response', async (name) => {
    const api = (await SwaggerParser.dereference(openapiFile(name))) as unknown as { paths: Record<string, Record<string, Json>> };
    const missing: string[] = [];
    for (const [p, item] of Object.entries(api.paths)) {
      for (const method of METHODS.filter((m) => item[m])) {
        const op = item[method] as { requestBody?: { content: Record<string, Json> }; responses: Record<string, { content?: Record<string, Json> }> };
        for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) if (!media.schema) missing.push(`${method} ${p} request ${type}`);
        for (const [status, response] of Object.entries(op.responses)) {
          if (!response.content) missing.push(`${method} ${p} ${status}`);
          for (const [type, media] of Object.entries(response.content ?? {})) if (!media.schema) missing.push(`${method} ${p} ${status} ${type}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('AsyncAPI documents (contracts/asyncapi)', () => {
  it('finds the documents', () => expect(ASYNCAPI.length).toBeGreaterThanOrEqual(2));

  it.each(ASYNCAPI)('%s parses without errors', async (name) => {
    const { document, diagnostics } = await fromFile(new Parser(), path.join(ROOT, 'contracts', 'asyncapi', name)).parse();
    const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document).toBeDefined();
    expect(keysWithoutValue(document!.json())).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Routes ↔ documents

/** The documents describing each app's HTTP API. Worker apps serve none. */
const config: HubConfig = loadConfig({ ADMIN_API_KEY: 'docs-admin-key-0123456789', PSEUDONYM_KEY: 'docs-pseudonym-key-0123456789abcdef', DEMO_DATA: 'false' });
const APPS: { app: string; module: DynamicModule; documents: string[] }[] = [
  { app: 'gateway', module: GatewayModule.forRoot(config), documents: ['gateway.v1.yaml', 'signalements.v1.yaml'] },
  { app: 'metrics', module: MetricsAppModule.forRoot(config), documents: ['metrics.v1.yaml'] },
  { app: 'hub', module: HubModule.forRoot(config), documents: OPENAPI },
  { app: 'normalizer', module: NormalizerAppModule.forRoot(config), documents: ['probes.v1.yaml'] },
  { app: 'router', module: RouterAppModule.forRoot(config), documents: ['probes.v1.yaml'] },
  { app: 'signalements', module: SignalementsAppModule.forRoot(config), documents: ['probes.v1.yaml'] },
];

type ModuleRef = Type<unknown> | DynamicModule | { forwardRef: () => ModuleRef } | undefined;

/** Every controller an app module brings, through its imports (static and dynamic modules). */
function controllersOf(mod: ModuleRef, seen = new Set<unknown>()): Type<unknown>[] {
  if (!mod) return [];
  if ('forwardRef' in mod) return controllersOf(mod.forwardRef(), seen);
  const controllers: Type<unknown>[] = [];
  const imports: ModuleRef[] = [];
  const dynamic = 'module' in mod ? mod : undefined;
  if (dynamic && !seen.has(dynamic)) {
    seen.add(dynamic);
    controllers.push(...((dynamic.controllers as Type<unknown>[]) ?? []));
    imports.push(...((dynamic.imports as ModuleRef[]) ?? []));
  }
  const cls = dynamic ? dynamic.module : (mod as Type<unknown>);
  if (!seen.has(cls)) {
    seen.add(cls);
    controllers.push(...(Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, cls) ?? []));
    imports.push(...(Reflect.getMetadata(MODULE_METADATA.IMPORTS, cls) ?? []));
  }
  return [...new Set([...controllers, ...imports.flatMap((i) => controllersOf(i, seen))])];
}

/** `get /v1/inbox/{itemId}` for every HTTP handler of these controllers (bus handlers have no path). */
function routesOf(controllers: Type<unknown>[]): string[] {
  const join = (...parts: string[]) =>
    '/' +
    parts
      .flatMap((p) => p.split('/'))
      .filter(Boolean)
      .join('/');
  const routes = controllers.flatMap((controller) => {
    const bases = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat();
    return Object.getOwnPropertyNames(controller.prototype).flatMap((name) => {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (name === 'constructor' || typeof handler !== 'function') return [];
      const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (paths === undefined) return [];
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number].toLowerCase();
      return bases.flatMap((base) => [paths].flat().map((p) => `${method} ${join(base ?? '', p).replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`));
    });
  });
  return [...new Set(routes)].sort();
}

async function operationsOf(name: string): Promise<string[]> {
  const api = (await SwaggerParser.parse(openapiFile(name))) as { paths: Record<string, Json> };
  return Object.entries(api.paths).flatMap(([p, item]) => METHODS.filter((m) => item[m]).map((m) => `${m} ${p}`));
}

describe('every route of every app is documented, and every documented operation is served', () => {
  const documented = new Map<string, string[]>();
  beforeAll(async () => {
    for (const name of OPENAPI) documented.set(name, await operationsOf(name));
  });

  it('reads the routes from the apps', () => {
    const gateway = routesOf(controllersOf(APPS[0].module));
    expect(gateway).toEqual(expect.arrayContaining(['get /v1/inbox', 'post /v1/partners', 'post /v1/signalements', 'get /v1/cases/{caseRef}/timeline', 'get /health']));
    expect(routesOf(controllersOf(APPS[1].module))).toEqual(expect.arrayContaining(['get /v1/metrics/maintiens', 'post /v1/outcomes']));
  });

  it.each(APPS.map((a) => [a.app, a] as const))('%s: each route is in its documents', (_, { module, documents }) => {
    const known = new Set(documents.flatMap((d) => documented.get(d)!));
    const undocumented = routesOf(controllersOf(module)).filter((r) => !known.has(r));
    expect(undocumented).toEqual([]);
  });

  it.each(OPENAPI)('%s: each operation is served by an app it describes', (name) => {
    const served = new Set(APPS.filter((a) => a.app !== 'hub' && a.documents.includes(name)).flatMap((a) => routesOf(controllersOf(a.module))));
    expect(documented.get(name)!.filter((op) => !served.has(op))).toEqual([]);
  });
});
