import { migrate, PgliteDatabase } from '@pdp/db';
import { IdentityKeyring } from './identity';
import { IdentityVault } from './vault';

const key = (n: number) => Buffer.alloc(32, n).toString('base64');

describe('identity vault', () => {
  const db = new PgliteDatabase();
  beforeAll(() => migrate(db));
  afterAll(() => db.close());

  it('seals with the active key, binds the identity to its person, and opens it again', async () => {
    const vault = new IdentityVault(db, new IdentityKeyring({ k1: key(1) }, 'k1'));
    const sealed = vault.seal('p1', { nir: '185057800608436', ins: { value: '185057800608436', oid: '1.2.250.1.213.1.4.8' }, birthName: 'MARTIN', firstNames: 'Claire', sex: 'F' });
    expect(sealed.keyId).toBe('k1');
    expect(sealed.sealed.toString('latin1')).not.toContain('MARTIN');
    await db.transaction((tx) => vault.save(tx, [{ person: 'p1', sealed }]));
    expect(await vault.open('p1')).toEqual({
      nir: '185057800608436',
      ins: { value: '185057800608436', oid: '1.2.250.1.213.1.4.8', qualified: false },
      birthName: 'MARTIN',
      firstNames: 'Claire',
      sex: 'F',
    });
    const { rows } = await db.query<{ sealed: Uint8Array }>("SELECT sealed FROM identities WHERE person_pseudonym = 'p1'");
    expect(Buffer.from(rows[0].sealed).toString('latin1')).not.toContain('185057800608436');
    // Moved to another person's row, it does not open.
    await db.query("INSERT INTO identities (person_pseudonym, key_id, sealed) SELECT 'p2', key_id, sealed FROM identities WHERE person_pseudonym = 'p1'");
    await expect(vault.open('p2')).rejects.toThrow();
    await db.query("DELETE FROM identities WHERE person_pseudonym = 'p2'");
  });

  it('rotates the key: the old key still opens until everything is re-sealed with the new one', async () => {
    const old = new IdentityVault(db, new IdentityKeyring({ k1: key(1) }, 'k1'));
    await db.transaction((tx) => old.save(tx, [{ person: 'p3', sealed: old.seal('p3', { nir: '285057800608436', birthName: 'DURAND' }) }]));
    const rotated = new IdentityVault(db, new IdentityKeyring({ k1: key(1), k2: key(2) }, 'k2'));
    expect(await rotated.open('p3')).toMatchObject({ birthName: 'DURAND' });
    expect(await rotated.reseal()).toBeGreaterThanOrEqual(2);
    const { rows } = await db.query<{ key_id: string }>('SELECT DISTINCT key_id FROM identities');
    expect(rows).toEqual([{ key_id: 'k2' }]);
    const withoutOld = new IdentityVault(db, new IdentityKeyring({ k2: key(2) }, 'k2'));
    expect(await withoutOld.open('p3')).toMatchObject({ nir: '285057800608436', birthName: 'DURAND' });
    expect(await withoutOld.open('p1')).toMatchObject({ birthName: 'MARTIN' });
  });
});
