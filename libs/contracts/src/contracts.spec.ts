import { ContractIds, ContractRegistry, unstorableText } from './index';
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

describe('text the database cannot store', () => {
  it('is a violation at its path: a NUL character, an unpaired surrogate, in a value or a name', () => {
    const r = sickLeave.validate({ ...validLeave(), worker: { nir: '185057800608491', birthName: 'DU\u0000PONT', firstNames: 'Marie\ud800' } });
    expect(r).toEqual({
      ok: false,
      violations: [
        { path: '/worker/birthName', message: 'contains a NUL character (\\u0000), which cannot be stored' },
        { path: '/worker/firstNames', message: 'contains an unpaired UTF-16 surrogate, which is not Unicode text' },
      ],
    });
    const named = sickLeave.validate({ ...validLeave(), ['a\u0000/b']: 1 });
    expect(named.ok).toBe(false);
    if (!named.ok) expect(named.violations).toContainEqual({ path: '/a\u0000~1b', message: 'has a name that contains a NUL character (\\u0000), which cannot be stored' });
  });

  it('lets paired surrogates (emoji, supplementary characters) and other control characters through', () => {
    const leave = { ...validLeave(), worker: { nir: '185057800608491', birthName: 'DUPONT \ud83d\ude00', firstNames: 'Marie\tAnne\u0001' } };
    expect(sickLeave.validate(leave)).toEqual({ ok: true, value: leave });
  });

  it('refuses a value nested deeper than 64 levels before anything walks it (10,000 levels overflowed the stack)', () => {
    const deep = JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`) as unknown;
    expect(unstorableText(deep)).toEqual([{ path: `/${Array(64).fill('0').join('/')}/0`, message: 'is nested deeper than 64 levels' }]);
    const nested = JSON.parse(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`) as unknown;
    expect(sickLeave.validate(nested)).toEqual({ ok: false, violations: [{ path: `/${Array(65).fill('a').join('/')}`, message: 'is nested deeper than 64 levels' }] });
    const shallow = { a: [[[['fine']]]] };
    expect(unstorableText(shallow)).toEqual([]);
  });

  it('lists at most a hundred', () => {
    expect(unstorableText(Array.from({ length: 500 }, () => '\u0000'))).toHaveLength(100);
    expect(unstorableText({ a: ['ok', { b: 'x\u0000' }] })).toEqual([{ path: '/a/1/b', message: 'contains a NUL character (\\u0000), which cannot be stored' }]);
  });
});
