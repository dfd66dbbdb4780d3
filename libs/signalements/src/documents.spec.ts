import * as fs from 'fs';
import * as path from 'path';
import { SignalementContractIds, SignalementTopics } from '@pdp/contracts';
import { inboxTopic } from '@pdp/contracts';

const root = path.join(__dirname, '..', '..', '..');
const read = (p: string) => fs.readFileSync(path.join(root, p), 'utf8');

describe('coordination contracts documents', () => {
  it('the AsyncAPI document lists every coordination topic and the referral delivery on partner inboxes', () => {
    const doc = read('contracts/asyncapi/signalements.v1.yaml');
    for (const topic of Object.values(SignalementTopics)) expect(doc).toContain(`address: ${topic}`);
    expect(doc).toContain(`address: ${inboxTopic('{partnerId}')}`);
    expect(doc).toContain("'../schemas/referral-delivery.v1.schema.json'");
  });

  it('the OpenAPI document describes every coordination endpoint, and every schema it names exists', () => {
    const doc = read('contracts/openapi/signalements.v1.yaml');
    for (const p of [
      '/v1/signalements:',
      '/v1/signalements/{signalementId}/status:',
      '/v1/accompaniment-reports:',
      '/v1/consents:',
      '/v1/consents/fhir:',
      '/v1/cases/{caseRef}/timeline:',
      '/v1/cases/{caseId}/chef-de-file:',
      '/v1/audit/disclosures:',
      '/v1/audit/verify:',
      '/v1/ops/routing-rules/reload:',
      '/v1/partners/import-fhir:',
    ]) {
      expect(doc).toContain(`  ${p}`);
    }
    for (const id of Object.values(SignalementContractIds)) expect(fs.existsSync(path.join(root, 'contracts', 'schemas', id))).toBe(true);
    // A reference may point inside a schema (…/common.v1.schema.json#/$defs/Nir): the file must exist.
    for (const m of doc.matchAll(/'\.\.\/schemas\/([^'#]+)(#[^']*)?'/g)) expect(fs.existsSync(path.join(root, 'contracts', 'schemas', m[1]))).toBe(true);
  });
});
