import { Logger } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { once } from 'events';
import type { Socket } from 'net';
import { Database, Sql } from './database';

export class PgDatabase implements Database {
  private readonly pool: Pool;
  private readonly logger = new Logger('PgDatabase');

  constructor(connectionString: string, max = 10) {
    // JIT off for the hub's sessions: its statements are batch writes whose estimates can cross
    // jit_above_cost, and compiling them with LLVM cost more than it saved (bench: PostgreSQL's
    // CPU for 1 M sick leaves fell from ~60 to ~43 s). Whatever the server's own setting.
    this.pool = new Pool({ connectionString, max, options: '-c jit=off' });
    // An idle connection closed by the server (restart, failover, an administrator) is dropped
    // from the pool and the next query opens another; unhandled, the error would end the process.
    this.pool.on('error', (e) => this.logger.warn(`idle database connection lost: ${e.message}`));
  }

  async query<R>(text: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number }> {
    const r = await this.pool.query(text, params as unknown[]);
    return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    // While checked out, a lost connection is reported on the client: without a listener the
    // error would end the process; the running query rejects with it anyway.
    const lost = (): void => undefined;
    client.on('error', lost);
    try {
      await client.query('BEGIN');
      const tx: Sql = {
        query: async <R>(text: string, params?: unknown[]) => {
          const r = await client.query(text, params as unknown[]);
          return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
        },
        copyOut: (text: string) => client.query(copyTo(text)),
        copyIn: (text: string, chunks: Iterable<string | Buffer> | AsyncIterable<string | Buffer>) => copyInto(client, text, chunks),
      };
      const result = await fn(tx);
      await client.query('COMMIT');
      client.off('error', lost);
      client.release();
      return result;
    } catch (e) {
      // A connection that cannot even roll back is broken: destroyed, not returned to the pool.
      const broken = await client.query('ROLLBACK').then(
        () => undefined,
        (rollbackError: Error) => rollbackError,
      );
      client.off('error', lost);
      client.release(broken);
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Streams chunks into COPY … FROM STDIN, with backpressure; resolves with the rows copied. */
async function copyInto(client: PoolClient, text: string, chunks: Iterable<string | Buffer> | AsyncIterable<string | Buffer>): Promise<number> {
  const stream = client.query(copyFrom(text));
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  try {
    // pg-copy-streams writes each chunk as two socket writes (its 5-byte header, then the
    // chunk); corked, they leave in one system call.
    const socket = (client as unknown as { connection?: { stream?: Partial<Pick<Socket, 'cork' | 'uncork'>> } }).connection?.stream;
    for await (const chunk of chunks) {
      socket?.cork?.();
      const ok = stream.write(chunk);
      socket?.uncork?.();
      if (!ok) await Promise.race([once(stream, 'drain'), finished]);
    }
  } catch (e) {
    stream.destroy(e as Error);
    await finished.catch(() => undefined);
    throw e;
  }
  stream.end();
  await finished;
  return stream.rowCount;
}
