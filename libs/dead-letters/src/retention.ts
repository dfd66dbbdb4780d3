import { Database } from '@pdp/db';
import { IdentityKeyring } from '@pdp/identity';
import { DeadLetterStore } from './dead-letter.store';
import { originalOf } from './replay';

/**
 * The dead letters' upkeep: those past their retention go; those kept in clear (from before
 * their bytes were sealed) or sealed with a retired key are sealed with the active one, so an
 * old key can be removed once this has run.
 */
export async function sweepDeadLetters(db: Database, keyring: IdentityKeyring, retentionDays: number, now: Date): Promise<{ purged: number; resealed: number }> {
  const store = new DeadLetterStore(db);
  const purged = await store.purgeBefore(new Date(now.getTime() - retentionDays * 86_400_000));
  let resealed = 0;
  for (;;) {
    const page = await store.sealedOtherwise(keyring.active, 200);
    for (const d of page) {
      const sealed = keyring.sealBytes(d.deadLetterId, originalOf(keyring, d));
      await store.replaceOriginal(d.deadLetterId, { keyId: sealed.keyId, bytes: sealed.sealed });
    }
    resealed += page.length;
    if (page.length < 200) return { purged, resealed };
  }
}
