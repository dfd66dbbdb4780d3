import { DatabaseSync, StatementSync } from 'node:sqlite';
import { BusMessage } from './bus';

/**
 * Beside the embedded database's directory, not in it: PostgreSQL owns its data directory (an
 * initdb refuses one that is not empty).
 */
export function busJournalFile(embeddedDataDir: string): string {
  return `${embeddedDataDir.replace(/[\\/]+$/, '')}.bus.sqlite`;
}

/**
 * The in-process bus's log on disk, for an embedded hub that keeps its data (EMBEDDED_DATA_DIR):
 * a record is written and synced before its publish resolves, so a 202 given after a publish
 * survives a crash; each consumer group's next offset is written after its batch is handled, so
 * a restart resumes where the group stopped (at least once, as with Kafka: the handlers are
 * idempotent). SQLite (node:sqlite, WAL, synchronous FULL) does the writing.
 */
export class BusJournal {
  private readonly db: DatabaseSync;
  private readonly insert: StatementSync;
  private readonly upsertOffset: StatementSync;

  constructor(file: string) {
    this.db = new DatabaseSync(file);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      CREATE TABLE IF NOT EXISTS records (topic TEXT NOT NULL, offset INTEGER NOT NULL, key TEXT, value BLOB NOT NULL, headers TEXT, PRIMARY KEY (topic, offset)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS group_offsets (group_id TEXT NOT NULL, topic TEXT NOT NULL, next_offset INTEGER NOT NULL, PRIMARY KEY (group_id, topic)) WITHOUT ROWID;
    `);
    this.insert = this.db.prepare('INSERT INTO records (topic, offset, key, value, headers) VALUES (?, ?, ?, ?, ?)');
    this.upsertOffset = this.db.prepare('INSERT INTO group_offsets (group_id, topic, next_offset) VALUES (?, ?, ?) ON CONFLICT (group_id, topic) DO UPDATE SET next_offset = excluded.next_offset');
  }

  /** Writes records in one transaction, synced before it returns. */
  append(records: readonly BusMessage[]): void {
    if (records.length === 0) return;
    this.db.exec('BEGIN');
    try {
      for (const r of records) this.insert.run(r.topic, Number(r.offset), r.key, r.value, Object.keys(r.headers).length ? JSON.stringify(r.headers) : null);
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /** A group has handled a topic's records before `next`. */
  commit(groupId: string, topic: string, next: number): void {
    this.upsertOffset.run(groupId, topic, next);
  }

  /** Every record kept, per topic, in offset order. */
  records(): Map<string, BusMessage[]> {
    const byTopic = new Map<string, BusMessage[]>();
    const rows = this.db.prepare('SELECT topic, offset, key, value, headers FROM records ORDER BY topic, offset').all() as {
      topic: string;
      offset: number;
      key: string | null;
      value: Uint8Array;
      headers: string | null;
    }[];
    for (const r of rows) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ topic: r.topic, partition: 0, offset: String(r.offset), key: r.key, value: Buffer.from(r.value), headers: r.headers ? (JSON.parse(r.headers) as Record<string, string>) : {} });
      byTopic.set(r.topic, list);
    }
    return byTopic;
  }

  /** A group's next offset on each topic it has handled records of. */
  offsets(groupId: string): Map<string, number> {
    const rows = this.db.prepare('SELECT topic, next_offset FROM group_offsets WHERE group_id = ?').all(groupId) as { topic: string; next_offset: number }[];
    return new Map(rows.map((r) => [r.topic, r.next_offset]));
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
