import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { HubUnderTest, startEmbeddedHub } from './support/harness';

const contracts = join(__dirname, '..', 'contracts');

/**
 * The API documents served by the hub (docs/integrators' entry point, README "API"): Swagger UI
 * over the OpenAPI files, the AsyncAPI documents as pages, the files themselves as shipped in
 * contracts/ (no second copy), and nothing else of the file system.
 */
describe('API documents', () => {
  let hub: HubUnderTest;
  const http = () => request(hub.http.getHttpServer());
  beforeAll(async () => {
    hub = await startEmbeddedHub();
  });
  afterAll(() => hub?.close());

  it('serves Swagger UI over every OpenAPI document of contracts/openapi', async () => {
    const page = await http().get('/docs/').expect(200).expect('Content-Type', /html/);
    expect(page.text).toContain('swagger-ui');
    const init = await http().get('/docs/swagger-ui-init.js').expect(200);
    for (const f of ['gateway.v1.yaml', 'signalements.v1.yaml', 'metrics.v1.yaml', 'probes.v1.yaml']) expect(init.text).toContain(`/docs/contracts/openapi/${f}`);
  });

  it('serves the contract files byte for byte, the schemas the documents reference included', async () => {
    const yaml = await http().get('/docs/contracts/openapi/gateway.v1.yaml').expect(200);
    expect(yaml.text ?? yaml.body.toString()).toBe(readFileSync(join(contracts, 'openapi', 'gateway.v1.yaml'), 'utf8'));
    const schema = await http().get('/docs/contracts/schemas/case-event.v1.schema.json').expect(200);
    expect(schema.body).toEqual(JSON.parse(readFileSync(join(contracts, 'schemas', 'case-event.v1.schema.json'), 'utf8')));
    await http().get('/docs/contracts/../package.json').expect(404);
    await http()
      .get('/docs/contracts/%2e%2e/package.json')
      .expect((r) => expect([400, 403, 404]).toContain(r.status));
  });

  it('renders each AsyncAPI document as a page of its topics, with links to their payload schemas', async () => {
    const index = await http().get('/docs/asyncapi/').expect(200);
    expect(index.text).toContain('/docs/asyncapi/pdp-hub.v1.yaml');
    const page = await http().get('/docs/asyncapi/pdp-hub.v1.yaml').expect(200).expect('Content-Type', /html/);
    expect(page.text).toContain('<code>pdp.sick-leave.inbound.v1</code>');
    expect(page.text).toContain('href="/docs/contracts/schemas/sick-leave-notification.v1.schema.json"');
    const signalements = await http().get('/docs/asyncapi/signalements.v1.yaml').expect(200);
    expect(signalements.text).toContain('pdp.signalement.inbound.v1');
  });
});
