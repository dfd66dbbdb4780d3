import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ContractRegistry } from '@pdp/contracts';
import { migrate, PgliteDatabase } from '@pdp/db';
import { PartnerRegistry } from './partners';
import { SignalementContractIds } from '@pdp/contracts';
import { loadPartnersFile } from './partners-file';

describe('partner directory file', () => {
  const db = new PgliteDatabase();
  const registry = new PartnerRegistry(db);
  const contracts = new ContractRegistry();
  const file = (content: unknown) => {
    const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'partners-')), 'partners.json');
    fs.writeFileSync(p, JSON.stringify(content));
    return p;
  };

  beforeAll(() => migrate(db));
  afterAll(() => db.close());

  it('registers the partners, with their territory, FHIR endpoint and API key from the environment', async () => {
    const f = file({
      schemaVersion: 'partner-directory/1',
      partners: [
        { partnerId: 'carsat-ra', category: 'service-social-carsat', name: 'Carsat RA', region: '84', fhirEndpoint: 'https://fhir.carsat.example/r4', apiKeyEnv: 'CARSAT_KEY' },
        { partnerId: 'cap-69', category: 'cap-emploi', name: 'Cap emploi 69', departements: ['69'] },
      ],
    });
    expect(await loadPartnersFile(f, contracts, registry, { CARSAT_KEY: 'carsat-secret-key-123' })).toBe(2);
    expect(await registry.get('carsat-ra')).toMatchObject({ category: 'service-social-carsat', region: '84', departements: [], fhirEndpoint: 'https://fhir.carsat.example/r4' });
    expect((await registry.authenticate('carsat-secret-key-123'))?.partnerId).toBe('carsat-ra');
  });

  it('refuses an invalid file, a duplicated partner and a missing key variable', async () => {
    await expect(loadPartnersFile(file({ schemaVersion: 'partner-directory/1', partners: [{ partnerId: 'x', category: 'employer', name: '' }] }), contracts, registry, {})).rejects.toThrow(
      /invalid: .*partnerId.*category|invalid/,
    );
    const dup = { partnerId: 'cap-69', category: 'cap-emploi', name: 'Cap' };
    await expect(loadPartnersFile(file({ schemaVersion: 'partner-directory/1', partners: [dup, dup] }), contracts, registry, {})).rejects.toThrow(/duplicated/);
    await expect(loadPartnersFile(file({ schemaVersion: 'partner-directory/1', partners: [{ ...dup, apiKeyEnv: 'NOPE' }] }), contracts, registry, {})).rejects.toThrow(/NOPE/);
  });

  it('ships a valid example (deploy/partners.example.json)', () => {
    const example = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'deploy', 'partners.example.json'), 'utf8'));
    expect(contracts.contract(SignalementContractIds.partnerDirectory).validate(example)).toMatchObject({ ok: true });
  });
});
