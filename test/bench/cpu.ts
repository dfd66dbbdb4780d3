import * as fs from 'fs';

/** What a process has used so far, from /proc/<pid>/stat. */
export interface ProcessUsage {
  comm: string;
  /** utime + stime */
  seconds: number;
  /** stime: system calls and page faults, which cost much more under some hypervisors */
  kernelSeconds: number;
  minorFaults: number;
}

/** CPU seconds and page faults of each process so far, from /proc. */
export function cpuByPid(): Map<number, ProcessUsage> {
  const result = new Map<number, ProcessUsage>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // fields[i] is stat field i + 3 (pid and comm come first): minflt 10, utime 14, stime 15.
      result.set(Number(entry), { comm, seconds: (Number(fields[11]) + Number(fields[12])) / 100, kernelSeconds: Number(fields[12]) / 100, minorFaults: Number(fields[7]) });
    } catch {
      // process ended while reading
    }
  }
  return result;
}

/**
 * CPU seconds spent between two snapshots, grouped: the named app processes, the Kafka
 * broker (java), PostgreSQL, and everything else (this bench, other work on the machine).
 * With `hubBackends` (the pids of the hub database's sessions), PostgreSQL is split into the
 * hub's sessions, the server's own processes (WAL writer, checkpointer…) and other databases'
 * sessions, which count as "other": a shared machine's load must not be charged to the hub.
 */
export function cpuDelta(before: Map<number, ProcessUsage>, after: Map<number, ProcessUsage>, apps: Map<number, string>, hubBackends?: Set<number>): Record<string, number> {
  return usageDelta(before, after, apps, hubBackends, (u) => u.seconds, 10);
}

/** The same groups' kernel CPU seconds and minor page faults (where a VM's costs hide). */
export function kernelDelta(
  before: Map<number, ProcessUsage>,
  after: Map<number, ProcessUsage>,
  apps: Map<number, string>,
  hubBackends?: Set<number>,
): { kernelSeconds: Record<string, number>; minorFaults: Record<string, number> } {
  return {
    kernelSeconds: usageDelta(before, after, apps, hubBackends, (u) => u.kernelSeconds, 10),
    minorFaults: usageDelta(before, after, apps, hubBackends, (u) => u.minorFaults, 1),
  };
}

function usageDelta(
  before: Map<number, ProcessUsage>,
  after: Map<number, ProcessUsage>,
  apps: Map<number, string>,
  hubBackends: Set<number> | undefined,
  measure: (u: ProcessUsage) => number,
  precision: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  const postgres = (pid: number) => {
    if (!hubBackends) return 'postgresql';
    if (hubBackends.has(pid)) return 'postgresql (hub sessions)';
    // A session's title names its client ("… user db 127.0.0.1(44032) …"); server processes' do not.
    return /\(\d+\)|\[local\]/.test(cmdline(pid)) ? 'other' : 'postgresql (server processes)';
  };
  for (const [pid, a] of after) {
    const b = before.get(pid);
    const spent = measure(a) - (b ? measure(b) : 0);
    if (spent <= 0) continue;
    const group = apps.get(pid) ?? (a.comm === 'java' ? 'kafka-broker (java)' : a.comm.startsWith('postgres') ? postgres(pid) : 'other');
    out[group] = Math.round(((out[group] ?? 0) + spent) * precision) / precision;
  }
  return out;
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}
