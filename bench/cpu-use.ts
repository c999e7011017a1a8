/**
 * CPU time of processes by pid (Linux /proc/<pid>/stat: utime + stime, every thread included), so a run
 * can say where the machine's cores went: the bots, Postgres's backends, Redis, the fakes, the client.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times (USER_HZ: 100 on Linux, whatever the kernel's HZ). */
const TICKS = 100;

/** CPU ms used so far by `pid`; NaN when it is gone or not readable. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
  } catch {
    return Number.NaN;
  }
}

export interface CpuWatch {
  /** CPU ms per group since the watch began; `groups` again (pids may have come since). */
  stop(groups: Map<string, number[]>): Map<string, number>;
}

/** Reads the groups' pids now; `stop` reads them again. */
export function watchCpu(groups: Map<string, number[]>): CpuWatch {
  const first = new Map<number, number>();
  for (const pids of groups.values()) for (const pid of pids) first.set(pid, cpuMs(pid));
  return {
    stop(later) {
      const used = new Map<string, number>();
      for (const [name, pids] of later) {
        let sum = 0;
        for (const pid of new Set([...pids, ...(groups.get(name) ?? [])])) {
          const now = cpuMs(pid);
          // A pid that appeared meanwhile counts from 0 (a connection opened during the run); one that
          // ended meanwhile is lost (NaN), so the sum is a floor.
          const before = first.get(pid) ?? 0;
          if (Number.isFinite(now) && Number.isFinite(before)) sum += now - before;
        }
        used.set(name, sum);
      }
      return used;
    },
  };
}

/** CPU ms the whole machine has been busy (every core, every process; idle and I/O wait left out). */
export function machineBusyMs(): number {
  try {
    const [, ...f] = (readFileSync('/proc/stat', 'latin1').split('\n')[0] ?? '').trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = f.map(Number);
    return (
      (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) /
      TICKS
    );
  } catch {
    return Number.NaN;
  }
}

/** Ms the threads of `pid` have spent runnable but waiting for a CPU (schedstat); NaN when unreadable. */
export function runQueueWaitMs(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`))
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[1]);
    return ns / 1e6;
  } catch {
    return Number.NaN;
  }
}
