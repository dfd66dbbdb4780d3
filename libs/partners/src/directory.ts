import { Logger } from '@nestjs/common';
import { Topics } from '@pdp/contracts';
import { jsonMessage, MessageBus } from '@pdp/bus';
import { Database, Sql } from '@pdp/db';
import { isValidSiret, parseIsoDate } from '@pdp/domain';

/** One line of the adhesion directory: an establishment adheres to an SPSTI over a period. */
export interface Adhesion {
  siret: string;
  spstiId: string;
  validFrom: string;
  validTo?: string | null;
}

export interface ImportResult {
  imported: number;
  released: number;
  errors: { line: number; message: string }[];
}

/**
 * Employer SIRET → SPSTI (no national directory maps it before DSN carries it in 2027).
 * Learning an employer releases the leaves parked for it, automatically.
 */
export class AdhesionDirectory {
  private readonly logger = new Logger('AdhesionDirectory');

  constructor(
    private readonly db: Database,
    private readonly bus: MessageBus,
  ) {}

  async resolve(siret: string, onDate: string, sql: Sql = this.db): Promise<string | null> {
    const { rows } = await sql.query<{ spsti_id: string }>(
      `SELECT spsti_id FROM adhesions WHERE siret = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2)
        ORDER BY valid_from DESC LIMIT 1`,
      [siret, onDate],
    );
    return rows[0]?.spsti_id ?? null;
  }

  /** Resolves many (siret, date) pairs in one query; keys of the map are `siret|date`. */
  async resolveMany(pairs: { siret: string; onDate: string }[], sql: Sql = this.db): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (pairs.length === 0) return result;
    const unique = [...new Map(pairs.map((p) => [`${p.siret}|${p.onDate}`, p])).values()];
    const { rows } = await sql.query<{ siret: string; on_date: string; spsti_id: string }>(
      `SELECT DISTINCT ON (x.siret, x.on_date) x.siret, to_char(x.on_date, 'YYYY-MM-DD') AS on_date, a.spsti_id
         FROM unnest($1::char(14)[], $2::date[]) AS x(siret, on_date)
         JOIN adhesions a ON a.siret = x.siret AND a.valid_from <= x.on_date AND (a.valid_to IS NULL OR a.valid_to >= x.on_date)
        ORDER BY x.siret, x.on_date, a.valid_from DESC`,
      [unique.map((p) => p.siret), unique.map((p) => p.onDate)],
    );
    for (const r of rows) result.set(`${r.siret}|${r.on_date}`, r.spsti_id);
    return result;
  }

  /**
   * Validates every line first: an import with errors changes nothing. `lineOf` numbers the
   * lines in errors (the CSV's own line numbers; the array's position from 1 otherwise).
   */
  async import(adhesions: Adhesion[], source: string, lineOf: (index: number) => number = (i) => i + 1): Promise<ImportResult> {
    const known = new Set((await this.db.query<{ partner_id: string }>("SELECT partner_id FROM partners WHERE category = 'spsti'")).rows.map((r) => r.partner_id));
    const errors = validateAdhesions(adhesions, known, lineOf);
    if (errors.length) return { imported: 0, released: 0, errors };
    await this.db.query(
      `INSERT INTO adhesions (siret, spsti_id, valid_from, valid_to, source)
       SELECT * FROM unnest($1::char(14)[], $2::text[], $3::date[], $4::date[], $5::text[])
       ON CONFLICT (siret, valid_from) DO UPDATE SET spsti_id = excluded.spsti_id, valid_to = excluded.valid_to,
         source = excluded.source, imported_at = now()`,
      [adhesions.map((a) => a.siret), adhesions.map((a) => a.spstiId), adhesions.map((a) => a.validFrom), adhesions.map((a) => a.validTo ?? null), adhesions.map(() => source)],
    );
    const released = await this.releaseParked([...new Set(adhesions.map((a) => a.siret))]);
    this.logger.log(`imported ${adhesions.length} adhesions from ${source}, released ${released} parked cases`);
    return { imported: adhesions.length, released, errors: [] };
  }

  async importCsv(csv: string, source: string): Promise<ImportResult> {
    const parsed = parseAdhesionCsv(csv);
    if (parsed.errors.length) return { imported: 0, released: 0, errors: parsed.errors };
    return this.import(parsed.adhesions, source, (i) => parsed.lines[i]);
  }

  async list(siret: string): Promise<Adhesion[]> {
    const { rows } = await this.db.query<{ siret: string; spsti_id: string; valid_from: string; valid_to: string | null }>(
      `SELECT siret, spsti_id, to_char(valid_from, 'YYYY-MM-DD') AS valid_from, to_char(valid_to, 'YYYY-MM-DD') AS valid_to
         FROM adhesions WHERE siret = $1 ORDER BY valid_from`,
      [siret],
    );
    return rows.map((r) => ({ siret: r.siret, spstiId: r.spsti_id, validFrom: r.valid_from, validTo: r.valid_to }));
  }

  /** Sends parked cases of these employers back through routing; the router re-parks what still fails. */
  async releaseParked(sirets: string[]): Promise<number> {
    if (sirets.length === 0) return 0;
    const { rows } = await this.db.query<{ parked_id: string; case_event: { personPseudonym: string } }>(
      `SELECT parked_id, case_event FROM parked_cases WHERE released_at IS NULL AND employer_siret = ANY($1::char(14)[])`,
      [sirets],
    );
    if (rows.length === 0) return 0;
    // Publish first, then mark: a crash in between re-releases (harmless), never loses.
    await this.bus.publish(
      Topics.caseNormalized,
      rows.map((r) => jsonMessage(r.case_event.personPseudonym, r.case_event, { 'x-released-from': 'parked' })),
    );
    await this.db.query('UPDATE parked_cases SET released_at = now() WHERE parked_id = ANY($1::text[])', [rows.map((r) => r.parked_id)]);
    return rows.length;
  }
}

/**
 * Every line's problems. Two lines for the same establishment and start are refused (the second
 * names the first): one statement cannot write the same row twice, and which of the two should
 * stand is the sender's to say.
 */
export function validateAdhesions(adhesions: unknown[], knownSpsti: Set<string>, lineOf: (index: number) => number = (i) => i + 1): { line: number; message: string }[] {
  const errors: { line: number; message: string }[] = [];
  const firstLine = new Map<string, number>();
  adhesions.forEach((a, i) => {
    const line = lineOf(i);
    if (a === null || typeof a !== 'object' || Array.isArray(a)) {
      errors.push({ line, message: 'is not an object {siret, spstiId, validFrom, validTo?}' });
      return;
    }
    const adhesion = a as Adhesion;
    for (const message of validateAdhesion(adhesion, knownSpsti)) errors.push({ line, message });
    const key = `${adhesion.siret}|${adhesion.validFrom}`;
    const first = firstLine.get(key);
    if (first === undefined) firstLine.set(key, line);
    else errors.push({ line, message: `repeats line ${first}: the same SIRET and validFrom` });
  });
  return errors;
}

function validateAdhesion(a: Adhesion, knownSpsti: Set<string>): string[] {
  const problems: string[] = [];
  if (!isValidSiret(a.siret ?? '')) problems.push(`SIRET ${a.siret} is invalid`);
  if (!knownSpsti.has(a.spstiId)) problems.push(`SPSTI ${a.spstiId} is not a registered spsti partner`);
  if (Number.isNaN(parseIsoDate(a.validFrom ?? ''))) problems.push('validFrom is not a date (YYYY-MM-DD)');
  if (a.validTo && Number.isNaN(parseIsoDate(a.validTo))) problems.push('validTo is not a date (YYYY-MM-DD)');
  if (a.validTo && a.validFrom && a.validTo < a.validFrom) problems.push('validTo is before validFrom');
  return problems;
}

/**
 * CSV with a header line: siret;spsti_id;valid_from;valid_to (`;` or `,`). `lines` gives each
 * adhesion's line number in the file (blank lines are skipped, not renumbered).
 */
export function parseAdhesionCsv(csv: string): { adhesions: Adhesion[]; lines: number[]; errors: { line: number; message: string }[] } {
  const numbered = csv
    .split(/\r?\n/)
    .map((text, i) => ({ text, line: i + 1 }))
    .filter((l) => l.text.trim() !== '');
  const lines = numbered.map((l) => l.text);
  const errors: { line: number; message: string }[] = [];
  if (lines.length === 0) return { adhesions: [], lines: [], errors: [{ line: 1, message: 'empty file' }] };
  const sep = lines[0].includes(';') ? ';' : ',';
  const header = lines[0].split(sep).map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const [iSiret, iSpsti, iFrom, iTo] = [col('siret'), col('spsti_id'), col('valid_from'), col('valid_to')];
  if (iSiret < 0 || iSpsti < 0 || iFrom < 0)
    return { adhesions: [], lines: [], errors: [{ line: numbered[0].line, message: 'header must name siret, spsti_id, valid_from (and optionally valid_to)' }] };
  const adhesions = lines.slice(1).map((l) => {
    const cells = l.split(sep).map((c) => c.trim());
    return { siret: cells[iSiret], spstiId: cells[iSpsti], validFrom: cells[iFrom], validTo: iTo >= 0 && cells[iTo] ? cells[iTo] : null };
  });
  return { adhesions, lines: numbered.slice(1).map((l) => l.line), errors };
}
