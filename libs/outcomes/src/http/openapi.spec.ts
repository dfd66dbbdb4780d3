import * as fs from 'fs';
import * as path from 'path';
import 'reflect-metadata';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { OutcomesController } from './outcomes.controller';

/** The OpenAPI document lists every route of the metrics app, with its method. */
describe('contracts/openapi/metrics.v1.yaml', () => {
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'contracts', 'openapi', 'metrics.v1.yaml'), 'utf8');
  for (const controller of [MetricsController, OutcomesController]) {
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string;
    for (const name of Object.getOwnPropertyNames(controller.prototype).filter((n) => n !== 'constructor')) {
      const handler = (controller.prototype as unknown as Record<string, object>)[name];
      const route = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (route === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number].toLowerCase();
      it(`documents ${method.toUpperCase()} /${base}/${route}`, () => {
        const at = doc.indexOf(`\n  /${base}/${route}:\n`);
        expect(at).toBeGreaterThan(0);
        const next = doc.indexOf('\n  /', at + 1);
        expect(doc.slice(at, next < 0 ? undefined : next)).toContain(`\n    ${method}:`);
      });
    }
  }
});
