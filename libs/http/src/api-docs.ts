import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { Request, Response } from 'express';
import swaggerUi from 'swagger-ui-express';
import { parse } from 'yaml';
import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { schemaDir } from '@pdp/contracts';

/** The contracts directory the hub ships with: the documents are served from it, never copied. */
function contractsDir(): string {
  return join(schemaDir(), '..');
}

const escape = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface AsyncApiDocument {
  info?: { title?: string; version?: string; description?: string };
  channels?: Record<string, { address?: string; description?: string; messages?: Record<string, { $ref?: string }> }>;
  operations?: Record<string, { action?: string; channel?: { $ref?: string }; summary?: string }>;
  components?: { messages?: Record<string, { name?: string; payload?: { $ref?: string }; bindings?: { kafka?: { key?: { description?: string } } } }> };
}

/**
 * An AsyncAPI document as one HTML page: each channel (topic) with its description, who sends
 * and receives it, and its messages with their key and a link to the payload's JSON Schema.
 * Every text is escaped: the page holds only what the document says.
 */
export function renderAsyncApi(file: string, doc: AsyncApiDocument): string {
  const messages = doc.components?.messages ?? {};
  const operations = Object.entries(doc.operations ?? {});
  const channels = Object.entries(doc.channels ?? {}).map(([id, ch]) => {
    const ops = operations.filter(([, o]) => o.channel?.$ref === `#/channels/${id}`);
    const msgs = Object.values(ch.messages ?? {})
      .map((m) => messages[(m.$ref ?? '').split('/').pop() ?? ''])
      .filter(Boolean);
    return `<section id="${escape(id)}"><h2><code>${escape(ch.address ?? id)}</code></h2><p>${escape(ch.description)}</p>
<ul>${ops.map(([name, o]) => `<li><strong>${escape(o.action)}</strong> (${escape(name)}): ${escape(o.summary)}</li>`).join('')}</ul>
${msgs
  .map((m) => {
    const schema = (m.payload?.$ref ?? '').replace(/^\.\.\//, '');
    return `<p>message <code>${escape(m.name)}</code>, key: ${escape(m.bindings?.kafka?.key?.description ?? '—')}${schema ? `, payload: <a href="/docs/contracts/${escape(schema)}">${escape(schema)}</a>` : ''}</p>`;
  })
  .join('')}</section>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info?.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}section{border-top:1px solid #ddd;padding:.5rem 0}code{background:#f4f4f4;padding:0 .2rem}</style></head>
<body><h1>${escape(doc.info?.title)} <small>${escape(doc.info?.version)}</small></h1><p>${escape(doc.info?.description)}</p>
<p>Source: <a href="/docs/contracts/asyncapi/${escape(file)}">asyncapi/${escape(file)}</a></p>${channels.join('\n')}</body></html>`;
}

/**
 * The API documents for integrators, public like the documents in the repository: Swagger UI at
 * `/docs` over the OpenAPI files of `contracts/openapi`, each AsyncAPI file of
 * `contracts/asyncapi` rendered at `/docs/asyncapi/<file>`, and the contract files themselves
 * (YAML and JSON Schemas, which the documents reference) under `/docs/contracts/`.
 */
export function serveApiDocs(app: INestApplication): void {
  const dir = contractsDir();
  const server = app as NestExpressApplication;
  const openapi = readdirSync(join(dir, 'openapi')).filter((f) => f.endsWith('.yaml'));
  const asyncapi = readdirSync(join(dir, 'asyncapi')).filter((f) => f.endsWith('.yaml'));
  server.use('/docs/contracts', express.static(dir, { index: false, dotfiles: 'deny', extensions: false }));
  for (const file of asyncapi) {
    server.use(`/docs/asyncapi/${file}`, (_req: Request, res: Response) => {
      // Read at each request: the page follows the file the hub ships.
      res.type('html').send(renderAsyncApi(file, parse(readFileSync(join(dir, 'asyncapi', file), 'utf8')) as AsyncApiDocument));
    });
  }
  server.use('/docs/asyncapi', (req: Request, res: Response, next: () => void) => {
    if (req.path !== '/') return next();
    res
      .type('html')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>pdp-hub topics</title></head><body><h1>AsyncAPI documents</h1><ul>${asyncapi.map((f) => `<li><a href="/docs/asyncapi/${escape(f)}">${escape(f)}</a></li>`).join('')}</ul></body></html>`,
      );
  });
  const options: swaggerUi.SwaggerUiOptions = {
    explorer: true,
    customSiteTitle: 'pdp-hub API',
    swaggerOptions: { urls: openapi.map((f) => ({ url: `/docs/contracts/openapi/${f}`, name: f })) },
  };
  server.use('/docs', swaggerUi.serveFiles(undefined, options), swaggerUi.setup(undefined, options));
}
