import * as fs from 'fs';

/** CPU seconds used so far by each process, from /proc (utime + stime). */
export function cpuByPid(): Map<number, { comm: string; seconds: number }> {
  const result = new Map<number, { comm: string; seconds: number }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      result.set(Number(entry), { comm, seconds: (Number(fields[11]) + Number(fields[12])) / 100 });
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
export function cpuDelta(before: Map<number, { comm: string; seconds: number }>, after: Map<number, { comm: string; seconds: number }>, apps: Map<number, string>, hubBackends?: Set<number>): Record<string, number> {
  const out: Record<string, number> = {};
  const postgres = (pid: number, comm: string) => {
    if (!hubBackends) return 'postgresql';
    if (hubBackends.has(pid)) return 'postgresql (hub sessions)';
    // A session's title names its client ("… user db 127.0.0.1(44032) …"); server processes' do not.
    return /\(\d+\)|\[local\]/.test(cmdline(pid)) ? 'other' : 'postgresql (server processes)';
  };
  for (const [pid, a] of after) {
    const spent = a.seconds - (before.get(pid)?.seconds ?? 0);
    if (spent <= 0) continue;
    const group = apps.get(pid) ?? (a.comm === 'java' ? 'kafka-broker (java)' : a.comm.startsWith('postgres') ? postgres(pid, a.comm) : 'other');
    out[group] = Math.round(((out[group] ?? 0) + spent) * 10) / 10;
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
