import { existsSync } from 'fs';
import { availableParallelism } from 'os';
import { join } from 'path';
import { Worker } from 'worker_threads';
import { CellAccumulator, CellTable, CellTableParts } from './accumulator';
import type { ComputeJob } from './compute-worker';
import { contributeRun, DedupOptions } from './dedup';
import { EventColumns, isShared, sortByPerson } from './events';
import { PartnerDictionary } from './partners';

// Compiled JavaScript only (dist): from the TypeScript sources (tests) the rebuild computes in one thread.
const WORKER_FILE = join(__dirname, 'compute-worker.js');

/**
 * A rebuild's second compute thread: started with the rebuild (its modules load while the log
 * is read), it takes the second half of the persons (by département, so mostly other cells)
 * while this thread does the first, on the same shared columns; its cells are added to ours.
 */
export class ComputeWorker {
  private constructor(private readonly worker: Worker) {
    worker.unref();
  }

  /** A worker, or null where there is no second core or no compiled worker. */
  static start(): ComputeWorker | null {
    if (availableParallelism() < 2 || !existsSync(WORKER_FILE)) return null;
    return new ComputeWorker(new Worker(WORKER_FILE));
  }

  /** The cells of the columns (on SharedArrayBuffers: see allocateColumns), computed in two threads; the columns are reordered by person. */
  async compute(columns: EventColumns, options: DedupOptions, partners: PartnerDictionary): Promise<CellAccumulator> {
    if (!isShared(columns)) throw new Error('compute worker: the columns must be shared');
    const offsets = sortByPerson(columns);
    const persons = offsets.length - 1;
    // The persons whose events start past the middle go to the worker.
    let mid = 0;
    while (mid < persons && offsets[mid] < columns.length / 2) mid++;
    const shared = new Int32Array(new SharedArrayBuffer(4 * offsets.length));
    shared.set(offsets);
    const job: ComputeJob = { columns, offsets: shared, from: mid, to: persons, options, partners: partners.lookupTables() };
    const theirs = new Promise<CellTableParts[]>((resolve, reject) => {
      this.worker.once('message', resolve);
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`compute worker exited (${code})`)));
    });
    this.worker.postMessage(job);
    const cells = new CellAccumulator();
    for (let k = 0; k < mid; k++) contributeRun(columns, offsets[k], offsets[k + 1], options, partners, cells, 1);
    const [outcomes, measures, overlaps] = await theirs;
    cells.outcomes.addAll(CellTable.of(outcomes));
    cells.measures.addAll(CellTable.of(measures));
    cells.overlaps.addAll(CellTable.of(overlaps));
    return cells;
  }

  private stopped: Promise<number> | null = null;

  async stop(): Promise<void> {
    await (this.stopped ??= this.worker.terminate());
  }
}
