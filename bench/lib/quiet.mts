/**
 * Other work on the machine (another checkout's test suite, say) skews every
 * number here, and on two cores it does so badly. Before each measured run
 * the benchmarks wait a short while for the machine to go quiet, and count
 * the runs that had to start anyway, so the report can say so.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

const WINDOW_MS = 250;
/** Busy CPU, in cores, below which the machine counts as quiet. */
const QUIET_CORES = 0.25;
const MAX_WAIT_MS = Number(process.env.BENCH_QUIET_WAIT_MS ?? 3000);

let runs = 0;
let busyRuns = 0;
const startLoad = loadavg()[0];

/** Busy and total jiffies of all CPUs, from the first line of /proc/stat. */
function cpuJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  // Fields 4 and 5 are idle and iowait.
  const idle = values[3] + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** Busy cores over one window (jiffies are 10 ms of one CPU). */
async function busyCores(): Promise<number> {
  const before = cpuJiffies();
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  const after = cpuJiffies();
  return ((after.busy - before.busy) * 10) / WINDOW_MS;
}

/**
 * Waits up to BENCH_QUIET_WAIT_MS (default 3000) for a quiet window, while
 * none of this benchmark's own processes are running.
 */
export async function waitForQuiet(): Promise<void> {
  runs += 1;
  const deadline = Date.now() + MAX_WAIT_MS;
  while (Date.now() < deadline) {
    if ((await busyCores()) < QUIET_CORES) return;
  }
  busyRuns += 1;
}

/** One sentence for the report on how busy the machine was. */
export function quietNote(): string {
  const load = `The 1-minute load average was ${startLoad.toFixed(2)} when the command started`;
  if (busyRuns === 0)
    return `${load}; every run started on an otherwise quiet machine.`;
  return (
    `${load}; ${busyRuns} of ${runs} runs started while other processes kept more than ` +
    `${QUIET_CORES} of a core busy for ${MAX_WAIT_MS / 1000} s, so their numbers include that interference.`
  );
}
