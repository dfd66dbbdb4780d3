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
 */
export function cpuDelta(before: Map<number, { comm: string; seconds: number }>, after: Map<number, { comm: string; seconds: number }>, apps: Map<number, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, a] of after) {
    const spent = a.seconds - (before.get(pid)?.seconds ?? 0);
    if (spent <= 0) continue;
    const group = apps.get(pid) ?? (a.comm === 'java' ? 'kafka-broker (java)' : a.comm.startsWith('postgres') ? 'postgresql' : 'other');
    out[group] = Math.round(((out[group] ?? 0) + spent) * 10) / 10;
  }
  return out;
}
