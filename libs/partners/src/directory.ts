import { Logger } from '@nestjs/common';
import { Topics } from '@pdp/contracts';
import { jsonMessage, MessageBus } from '@pdp/bus';
import { Database, Sql } from '@pdp/db';
import { isValidSiret, parseIsoDate } from '@pdp/domain';
import { ParkedCaseStore } from '@pdp/inbox';
import { AdhesionStore } from './adhesion.store';
import { PartnerStore } from './partner.store';

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
  private readonly adhesions: AdhesionStore;
  private readonly partners: PartnerStore;
  private readonly parked: ParkedCaseStore;

  constructor(
    db: Database,
    private readonly bus: MessageBus,
  ) {
    this.adhesions = new AdhesionStore(db);
    this.partners = new PartnerStore(db);
    this.parked = new ParkedCaseStore(db);
  }

  async resolve(siret: string, onDate: string, sql?: Sql): Promise<string | null> {
    return this.adhesions.spstiOn(siret, onDate, sql);
  }

  /** Resolves many (siret, date) pairs in one query; keys of the map are `siret|date`. */
  async resolveMany(pairs: { siret: string; onDate: string }[], sql?: Sql): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (pairs.length === 0) return result;
    const unique = [...new Map(pairs.map((p) => [`${p.siret}|${p.onDate}`, p])).values()];
    const rows = await this.adhesions.spstiOnMany(unique, sql);
    for (const r of rows) result.set(`${r.siret}|${r.on_date}`, r.spsti_id);
    return result;
  }

  /**
   * Validates every line first: an import with errors changes nothing. `lineOf` numbers the
   * lines in errors (the CSV's own line numbers; the array's position from 1 otherwise).
   */
  async import(adhesions: Adhesion[], source: string, lineOf: (index: number) => number = (i) => i + 1): Promise<ImportResult> {
    const known = new Set(await this.partners.spstiIds());
    const errors = validateAdhesions(adhesions, known, lineOf);
    if (errors.length) return { imported: 0, released: 0, errors };
    await this.adhesions.upsert(adhesions, source);
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
    return this.adhesions.ofEstablishment(siret);
  }

  /** Sends parked cases of these employers back through routing; the router re-parks what still fails. */
  async releaseParked(sirets: string[]): Promise<number> {
    if (sirets.length === 0) return 0;
    const cases = await this.parked.unreleasedOfEmployers(sirets);
    if (cases.length === 0) return 0;
    // Publish first, then mark: a crash in between re-releases (harmless), never loses.
    await this.bus.publish(
      Topics.caseNormalized,
      cases.map((c) => jsonMessage(c.caseEvent.personPseudonym, c.caseEvent, { 'x-released-from': 'parked' })),
    );
    await this.parked.markReleased(cases.map((c) => c.parkedId));
    return cases.length;
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
