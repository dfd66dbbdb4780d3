import { ContractIds, ContractRegistry } from './index';
import { SickLeaveNotification } from './generated/sick-leave-notification.v1';
import { inboxTopic, Topics } from './topics';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const registry = new ContractRegistry();
const sickLeave = registry.contract<SickLeaveNotification>(ContractIds.sickLeaveNotification);

export const validLeave = (): SickLeaveNotification => ({
  schemaVersion: 'sick-leave-notification/1',
  messageId: 'msg-00000001',
  leaveId: 'AAT-0001',
  kind: 'initial',
  worker: { nir: '185057800608491' },
  employer: { siret: '73282932000074' },
  startDate: '2026-01-05',
  expectedEndDate: '2026-02-20',
  nature: 'maladie',
  pdpRisk: false,
  issuingCpam: { code: '751' },
  issuedAt: '2026-01-05T10:00:00Z',
});

describe('contracts', () => {
  it('accepts a valid sick-leave notification', () => {
    expect(sickLeave.validate(validLeave())).toEqual({ ok: true, value: validLeave() });
  });

  it('lists every violation with its path', () => {
    const bad = { ...validLeave(), kind: 'prolongation', startDate: 'yesterday', extra: 1 } as unknown;
    const r = sickLeave.validate(bad);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.violations).toEqual(
      expect.arrayContaining([
        { path: '/initialLeaveId', message: 'is required' },
        { path: '/startDate', message: 'must match format "date"' },
        { path: '/extra', message: 'is not allowed' },
      ]),
    );
  });

  it('requires a NIR or an INS for the worker', () => {
    const r = sickLeave.validate({ ...validLeave(), worker: { birthName: 'X' } });
    expect(r.ok).toBe(false);
  });

  it('keeps the generated TypeScript types in step with the schemas', () => {
    // prettier (used by the generator) cannot load inside jest's VM, so run it as a process.
    const script = path.join(__dirname, '..', '..', '..', 'scripts', 'gen-types.js');
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});

describe('AsyncAPI document', () => {
  it('lists every topic of the hub', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'contracts', 'asyncapi', 'pdp-hub.v1.yaml'), 'utf8') as string;
    for (const topic of Object.values(Topics) as string[]) expect(doc).toContain(`address: ${topic}`);
    expect(doc).toContain(`address: ${inboxTopic('{partnerId}')}`);
  });
});
