import { Sql } from '@pdp/db';

/**
 * What a broken chain shows:
 * - modified: a row's fields no longer give its hash (or its hash was rewritten, and the next
 *   row's prev_hash no longer names it);
 * - removed: a row is missing inside the chain, or at its end (ids from migration 012_audit_chain on have no
 *   gaps, and every row names its predecessor's hash);
 * - truncated: the chain's start is gone: the log is empty while the anchor counts rows, or its
 *   first row does not follow the genesis.
 */
export type ChainProblem = 'modified' | 'removed' | 'truncated';

export type ChainVerification =
  /** rows: how many were checked; lastAuditId and lastHash (hex): the head, worth recording outside the database. */
  | { ok: true; rows: number; lastAuditId: string | null; lastHash: string | null }
  /**
   * firstBadAuditId: the first row modified or removed (for a truncation, the chain's first
   * row as the anchor knows it); null only when the anchor itself is gone. rows: how many
   * were checked before the problem; reason: what was found, in words.
   */
  | { ok: false; problem: ChainProblem; firstBadAuditId: string | null; rows: number; reason: string };

/** The prev_hash of the chain's first row. */
export const GENESIS_HASH = '0'.repeat(64);

interface ChainRow {
  audit_id: string;
  prev_hash: string | null;
  hash: string | null;
  recomputed: string | null;
}

interface Anchor {
  last_audit_id: string;
  last_hash: string;
  row_count: string;
  first_audit_id: string | null;
}

/**
 * Walks audit_log in audit_id order, a page at a time, up to the head the anchor names when the
 * walk starts (every row up to it is committed: appends are serialised on the anchor, which
 * commits with them). Each row's hash is recomputed by the database (audit_log_row_hash, the
 * trigger's own definition) and each row must name its predecessor's hash.
 */
export async function verifyChain(db: Sql, pageSize = 5000): Promise<ChainVerification> {
  const anchor = (
    await db.query<Anchor>(`SELECT last_audit_id::text AS last_audit_id, encode(last_hash, 'hex') AS last_hash, row_count::text AS row_count, first_audit_id::text AS first_audit_id FROM audit_anchor`)
  ).rows[0];
  if (!anchor) return { ok: false, problem: 'truncated', firstBadAuditId: null, rows: 0, reason: 'audit_anchor has no row: the chain cannot be checked against its head' };
  const end = BigInt(anchor.last_audit_id);
  const first = anchor.first_audit_id === null ? null : BigInt(anchor.first_audit_id);
  const broken = (problem: ChainProblem, id: bigint | null, rows: number, reason: string): ChainVerification => ({
    ok: false,
    problem,
    firstBadAuditId: id === null ? null : String(id),
    rows,
    reason,
  });

  let prevHash = GENESIS_HASH;
  let prevId: bigint | null = null;
  let rows = 0;
  for (;;) {
    const page: ChainRow[] = (
      await db.query<ChainRow>(
        `SELECT audit_id::text AS audit_id, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash, encode(audit_log_row_hash(prev_hash, l), 'hex') AS recomputed
         FROM audit_log l WHERE l.audit_id > $1 AND l.audit_id <= $2 ORDER BY l.audit_id LIMIT ${pageSize}`,
        [prevId === null ? '0' : String(prevId), String(end)],
      )
    ).rows;
    for (const r of page) {
      const id = BigInt(r.audit_id);
      if (r.hash === null || r.recomputed !== r.hash) return broken('modified', id, rows, `row ${id}: its fields do not give its hash`);
      if (r.prev_hash !== prevHash) {
        if (prevId === null) {
          // The first row left: a row's own prev_hash rewritten, or the rows before it gone.
          if (first !== null && first >= id) return broken('modified', id, rows, `row ${id}, the chain's first, does not follow the genesis`);
          return broken('truncated', first ?? id, rows, `the chain starts at row ${first ?? '?'} but the log's first row is ${id}, which does not follow the genesis`);
        }
        if (id > prevId + 1n) return broken('removed', prevId + 1n, rows, `rows ${prevId + 1n} to ${id - 1n} are missing: row ${id} does not follow row ${prevId}`);
        return broken('modified', prevId, rows, `row ${id} does not follow row ${prevId}: the hash of row ${prevId} was rewritten`);
      }
      prevHash = r.hash;
      prevId = id;
      rows++;
    }
    if (page.length < pageSize) break;
  }

  if (prevId === null) {
    if (BigInt(anchor.row_count) > 0n) return broken('truncated', first, 0, `the log is empty up to row ${end} but the anchor counts ${anchor.row_count} rows, the last one ${end}`);
    return { ok: true, rows: 0, lastAuditId: null, lastHash: null };
  }
  if (prevId < end) return broken('removed', prevId + 1n, rows, `rows ${prevId + 1n} to ${end} are missing: the anchor's last row is ${end}`);
  if (prevHash !== anchor.last_hash) return broken('modified', prevId, rows, `row ${prevId}, the last, does not have the anchor's hash`);
  return { ok: true, rows, lastAuditId: String(prevId), lastHash: prevHash };
}
