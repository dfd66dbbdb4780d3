import { Sql } from '@pdp/db';
import { PartnerDictionary } from './partners';

/** A database that answers the dictionary's SELECT with these rows (a snapshot), and ignores inserts. */
function snapshot(rows: { partner_no: number; partner_id: string; category: string }[]): Sql {
  return { query: async <R>(text: string) => ({ rows: (text.startsWith('SELECT') ? rows : []) as R[], rowCount: 0 }) };
}

describe('PartnerDictionary', () => {
  const a = { partner_no: 1, partner_id: 'spsti-b', category: 'spsti' };
  const x = { partner_no: 2, partner_id: 'cap-emploi-a', category: 'cap-emploi' };

  it('never forgets a partner when a concurrent batch loads an older snapshot', async () => {
    const dictionary = await new PartnerDictionary().load(snapshot([a]));
    // One batch adds X and reads it back…
    const numbers = await dictionary.ensure(snapshot([a, x]), [{ id: x.partner_id, category: x.category }]);
    expect(numbers.get(x.partner_id)).toBe(2);
    // …while another, whose snapshot predates X, reloads.
    await dictionary.load(snapshot([a]));
    expect(dictionary.numberOf(x.partner_id)).toBe(2);
    expect(dictionary.categoryName(2)).toBe('cap-emploi');
    // Ranks stay alphabetical over every known partner.
    expect(dictionary.rank(2)).toBeLessThan(dictionary.rank(1));
  });
});
