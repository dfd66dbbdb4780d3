import { parseAdhesionCsv, validateAdhesions } from './directory';

const SIRET = '73282932000074';
const OTHER = '73282932000082';

describe('adhesion import checks', () => {
  it('numbers the CSV lines as in the file, blank lines included', () => {
    const parsed = parseAdhesionCsv(`siret;spsti_id;valid_from\r\n\r\n${SIRET};spsti-a;2026-01-01\n\n${OTHER};spsti-a;2026-01-01;\n`);
    expect(parsed.errors).toEqual([]);
    expect(parsed.lines).toEqual([3, 5]);
    expect(parsed.adhesions.map((a) => a.siret)).toEqual([SIRET, OTHER]);
  });

  it('refuses a line that repeats an establishment and start, naming the first', () => {
    const { adhesions, lines } = parseAdhesionCsv(`siret;spsti_id;valid_from\n${SIRET};spsti-a;2026-01-01\n${OTHER};spsti-a;2026-01-01\n\n${SIRET};spsti-b;2026-01-01\n${SIRET};spsti-a;2027-01-01\n`);
    expect(validateAdhesions(adhesions, new Set(['spsti-a', 'spsti-b']), (i) => lines[i])).toEqual([{ line: 5, message: 'repeats line 2: the same SIRET and validFrom' }]);
  });

  it('refuses dates that do not exist, year 0000 included, and rows that are not objects', () => {
    const rows = [{ siret: SIRET, spstiId: 'spsti-a', validFrom: '0000-01-01' }, { siret: OTHER, spstiId: 'spsti-a', validFrom: '2026-02-30', validTo: '2026-13-01' }, null, 'x', [1]];
    expect(validateAdhesions(rows, new Set(['spsti-a']))).toEqual([
      { line: 1, message: 'validFrom is not a date (YYYY-MM-DD)' },
      { line: 2, message: 'validFrom is not a date (YYYY-MM-DD)' },
      { line: 2, message: 'validTo is not a date (YYYY-MM-DD)' },
      { line: 3, message: 'is not an object {siret, spstiId, validFrom, validTo?}' },
      { line: 4, message: 'is not an object {siret, spstiId, validFrom, validTo?}' },
      { line: 5, message: 'is not an object {siret, spstiId, validFrom, validTo?}' },
    ]);
  });
});
