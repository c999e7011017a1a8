/**
 * The scale bench's figures for one configuration, with their targets: the burst (answered, results,
 * makespan over the ideal, 429s, most active at the fake, acks) and the zero-generation throughput.
 * A configuration marked `information` has the same figures; its timings are not judged, while what
 * must hold in any topology (every command answered, every result posted once, no 429, at most the
 * provider's slots active) still is.
 */
import type { Figure } from './core.ts';
import type { RunReport } from './scale-report.ts';

export interface Setup {
  label: string;
  /** Every process, workers included. */
  processes: number;
  /** How many of them (the last ones) are FLUX_ROLE=worker: no front end, the load client sends them nothing. */
  workers?: number;
  /** DATABASE_URL and REDIS_URL; none: embedded. */
  distributed?: { databaseUrl: string; redisUrl: string };
  /** Whether the throughput target applies (it is set for three processes). */
  judged: boolean;
  /** Its timings are not judged: they are there to be read beside the judged ones. */
  information?: boolean;
}

export function figures(
  setup: Setup,
  [burst, zero]: Array<RunReport | undefined>,
  sizes: { burst: number; jobs: number; slots: number },
): Figure[] {
  const { burst: BURST, jobs, slots: SLOTS } = sizes;
  const info = '(information)';
  const f = (name: string, value: number, unit: string, target: string, ok = true): Figure => ({
    name: `${setup.label}: ${name}`,
    value: Number(value.toFixed(value < 10 ? 3 : 1)),
    unit,
    target,
    ok,
  });
  /** A timing's target, unless the configuration's timings are information only. */
  const timing = (target: string, ok: boolean): [string, boolean] =>
    setup.information ? [info, true] : [target, ok];
  const notRun = (what: string) =>
    f(`${what}: not run (the run before it did not finish)`, 0, '', 'run', false);
  return [
    ...(burst
      ? [
          f('burst answered', burst.answered, `/ ${BURST}`, String(BURST), burst.answered === BURST),
          f('burst results posted', burst.results, `/ ${BURST}`, String(BURST), burst.results === BURST),
          f('burst results posted twice', burst.duplicates, '', '0', burst.duplicates === 0),
          f('burst card edits back to an earlier state', burst.backwards, '', '0', burst.backwards === 0),
          f(
            `burst makespan / ideal (${BURST} images, 1–2 s, ${SLOTS} slots)`,
            burst.makespanRatio,
            `× (${(burst.makespanMs / 1000).toFixed(2)} s vs ${(burst.idealMs / 1000).toFixed(2)} s)`,
            ...timing('≤ 1.05', burst.makespanRatio <= 1.05),
          ),
          f('burst 429s at the fake BFL', burst.rateLimited, '', '0', burst.rateLimited === 0),
          f(
            'burst most tasks active at the fake',
            burst.maxActive,
            '',
            `≤ ${SLOTS}`,
            burst.maxActive <= SLOTS,
          ),
          f('burst ack p50 seen by the client', burst.ackP50, 'ms', info),
          f('burst ack p99 seen by the client', burst.ackP99, 'ms', ...timing('≤ 50', burst.ackP99 <= 50)),
          f('burst first command → last result', burst.lastResultMs / 1000, 's', info),
        ]
      : [notRun('burst')]),
    ...(zero
      ? [
          f('throughput answered', zero.answered, `/ ${jobs}`, String(jobs), zero.answered === jobs),
          f('throughput results posted', zero.results, `/ ${jobs}`, String(jobs), zero.results === jobs),
          f('throughput results posted twice', zero.duplicates, '', '0', zero.duplicates === 0),
          f('throughput card edits back to an earlier state', zero.backwards, '', '0', zero.backwards === 0),
          f(
            `zero-generation throughput, first command → last result (${jobs} jobs)`,
            zero.jobsPerSecond,
            'jobs/s',
            setup.judged ? '≥ 300' : info,
            !setup.judged || zero.jobsPerSecond >= 300,
          ),
          f(
            'throughput CPU ceiling: 2 cores over the CPU a job cost (bots, Postgres, Redis, fakes, client)',
            zero.cpuCeiling,
            'jobs/s',
            info,
          ),
          f('throughput 429s at the fake BFL', zero.rateLimited, '', '0', zero.rateLimited === 0),
          f('throughput ack p99 seen by the client', zero.ackP99, 'ms', info),
        ]
      : [notRun('throughput')]),
  ];
}
