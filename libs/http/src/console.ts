import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import express, { Request, Response } from 'express';
import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';

/**
 * The built console (apps/console, `npm run build:console`): CONSOLE_DIR, or dist/console above
 * wherever the hub runs from (sources in tests, dist/ once built).
 */
export function consoleDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CONSOLE_DIR) return existsSync(join(env.CONSOLE_DIR, 'index.html')) ? resolve(env.CONSOLE_DIR) : undefined;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'dist', 'console');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The console's pages may load only the hub's own scripts, styles and data: whatever a payload
 * holds, nothing it says can run or call elsewhere. The charts set inline styles.
 */
const CONSOLE_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Serves the console at / (its index and hashed assets; its views are routed in the page, after
 * a #). Without a build, / says how to make one rather than a bare 404.
 */
export function serveConsole(app: INestApplication, dir = consoleDir()): void {
  const server = (app as NestExpressApplication).getHttpAdapter().getInstance() as express.Express;
  if (!dir) {
    server.get('/', (_req: Request, res: Response) => {
      res
        .status(404)
        .type('application/problem+json')
        .send({ type: 'about:blank', title: 'Console not built', status: 404, detail: 'Run `npm run build:console` (npm start and npm test do), or set CONSOLE_DIR.' });
    });
    return;
  }
  server.use(
    express.static(dir, {
      index: 'index.html',
      fallthrough: true,
      setHeaders: (res, path) => {
        res.setHeader('X-Content-Type-Options', 'nosniff');
        if (path.endsWith('.html')) {
          res.setHeader('Content-Security-Policy', CONSOLE_POLICY);
          res.setHeader('Cache-Control', 'no-cache');
        } else res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      },
    }),
  );
}
