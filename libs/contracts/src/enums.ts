import * as fs from 'fs';
import * as path from 'path';
import { PartnerCategory } from './generated/common.v1';
import { schemaDir } from './validators';

/** The values of an enum $def of common.v1, read from the schema (never listed twice). */
export function commonEnum<T extends string>(def: string): readonly T[] {
  const schema = JSON.parse(fs.readFileSync(path.join(schemaDir(), 'common.v1.schema.json'), 'utf8'));
  const values = schema.$defs?.[def]?.enum;
  if (!Array.isArray(values)) throw new Error(`common.v1 has no enum ${def}`);
  return Object.freeze(values as T[]);
}

/**
 * Partner categories in schema order. The metrics encode a category by its index here, so
 * new categories are appended to the schema's enum, never inserted.
 */
export const PARTNER_CATEGORIES = commonEnum<PartnerCategory>('PartnerCategory');
