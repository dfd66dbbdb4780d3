import { AuditTrail } from '@pdp/audit';
import { rekeyConsents } from '@pdp/consent';
import { Database, pseudonymVersionOf, REKEY_MAP } from '@pdp/db';
import { caseIdOf, Pseudonymizer } from '@pdp/domain';
import { IdentityVault } from '@pdp/identity';
import { rekeyMetrics } from '@pdp/metrics';
import { rekeyFollowUps } from '@pdp/outcomes';
import { rekeyPushEvents } from '@pdp/push';
import { rekeySickLeaves } from '@pdp/sick-leave';
import { rekeyCoordination } from '@pdp/signalements';

/** What a re-key did: from which version to which, for how many persons. Counts only. */
export interface PseudonymRekey {
  from: number;
  to: number;
  persons: number;
}

/** Every column a person's pseudonym is kept in, but the audit's (its hash chain covers them). */
const PERSON_COLUMNS = [
  'identities',
  'episodes',
  'episode_aliases',
  'referrals',
  'accompaniment_reports',
  'consent_records',
  'case_leads',
  'coordination_deliveries',
  'metric_persons',
  'orientation_facts',
  'follow_up_chef_de_file',
  'follow_ups',
  'push_deliveries',
];

/**
 * Carries every person pseudonym the database holds to the version `pseudonymizer` makes
 * (docs/operations.md, "Rotating the pseudonymisation key"): one transaction, run with the
 * services stopped. Each flow re-keys its own tables from a map of old to new pseudonyms (and of
 * the case ids made from them), computed from the stored pseudonyms alone: no NIR is needed, and
 * the old key is not used. A person's past and new events stay linked; the ids partners hold
 * (episodes, items, follow-ups) stay; case ids are made again from the new pseudonyms. The audit
 * keeps its entries as they were (their hash chain covers them): the disclosure report and the
 * erasure find them from the NIR, which gives every version.
 */
export async function rekeyPseudonyms(db: Database, pseudonymizer: Pseudonymizer, vault: IdentityVault, audit: AuditTrail, actor: string): Promise<PseudonymRekey> {
  return db.transaction(async (tx) => {
    await tx.query('INSERT INTO pseudonym_version (version) VALUES (1) ON CONFLICT DO NOTHING');
    await tx.query('SELECT version FROM pseudonym_version FOR UPDATE');
    const from = await pseudonymVersionOf(tx);
    const to = pseudonymizer.version;
    if (from > to) throw new Error(`the database holds pseudonyms of version ${from}: PSEUDONYM_KEY_ROTATIONS makes version ${to}, a key of the chain is missing`);
    if (from === to) return { from, to, persons: 0 };
    // Erased persons' facts stay under tokens that are not pseudonyms: they are left as they are.
    const { rows } = await tx.query<{ p: string }>(`SELECT p FROM (${PERSON_COLUMNS.map((t) => `SELECT person_pseudonym AS p FROM ${t}`).join(' UNION ')}) s WHERE p NOT LIKE 'erased:%'`);
    await tx.query(
      `CREATE TEMP TABLE ${REKEY_MAP} (old text COLLATE "C" PRIMARY KEY, new text COLLATE "C" NOT NULL, old_case text COLLATE "C" NOT NULL, new_case text COLLATE "C" NOT NULL) ON COMMIT DROP`,
    );
    for (let i = 0; i < rows.length; i += 10_000) {
      const olds = rows.slice(i, i + 10_000).map((r) => r.p);
      const news = olds.map((p) => pseudonymizer.forward(p, from));
      await tx.query(`INSERT INTO ${REKEY_MAP} SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`, [olds, news, olds.map(caseIdOf), news.map(caseIdOf)]);
    }
    await tx.query(`ANALYZE ${REKEY_MAP}`);
    await vault.rekey(tx);
    await rekeySickLeaves(tx, pseudonymizer);
    await rekeyCoordination(tx, pseudonymizer, from);
    await rekeyConsents(tx);
    await rekeyPushEvents(tx);
    await rekeyMetrics(tx);
    await rekeyFollowUps(tx);
    await tx.query('UPDATE pseudonym_version SET version = $1, rekeyed_at = now()', [to]);
    const done = { from, to, persons: rows.length };
    await audit.append([{ action: 'pseudonyms-rekeyed', subjectType: 'pseudonyms', subjectId: `v${to}`, personPseudonym: null, actor, detail: { ...done } }], tx);
    return done;
  });
}
