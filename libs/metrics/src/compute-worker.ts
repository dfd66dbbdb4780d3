import { parentPort } from 'worker_threads';
import { CellAccumulator } from './accumulator';
import { contributeRun, DedupOptions } from './dedup';
import { EventColumns } from './events';
import { lookupOf, PartnerTables } from './partners';

/** A share of a rebuild's compute (see parallel.ts): the persons offsets[from..to) of shared columns. */
export interface ComputeJob {
  columns: EventColumns;
  offsets: Int32Array;
  from: number;
  to: number;
  options: DedupOptions;
  partners: PartnerTables;
}

parentPort?.on('message', (job: ComputeJob) => {
  const cells = new CellAccumulator();
  const partners = lookupOf(job.partners);
  const { columns, offsets, options } = job;
  for (let k = job.from; k < job.to; k++) contributeRun(columns, offsets[k], offsets[k + 1], options, partners, cells, 1);
  const parts = [cells.outcomes.parts(), cells.measures.parts(), cells.overlaps.parts()];
  parentPort!.postMessage(
    parts,
    parts.flatMap((p) => [p.slots.buffer as ArrayBuffer, p.order.buffer as ArrayBuffer]),
  );
});
