/**
 * `npm run bench:startup`: time to the first served request and resident
 * memory of the reference service (dist/main.js, workers on), bare and under
 * each telemetry setup.
 *
 * Each run spawns the service, polls `GET /health` until it returns 200, takes
 * the milliseconds since the spawn and VmRSS right after that response, then
 * stops the service. Setups are interleaved, in a rotated order each round,
 * after one discarded warm-up round that fills the file-system cache.
 */
import { quietNote, waitForQuiet } from './lib/quiet.mts';
import { describeMachine, table, writeSection } from './lib/report.mts';
import { assertBuilt, selectedSetups, type Setup } from './lib/setups.mts';
import { measureStartup, type StartupSample } from './lib/startup-run.mts';
import { formatSummary, median, rotate, summarize } from './lib/stats.mts';
import { prepareDatabase } from './lib/stores.mts';

const RUNS = Math.max(7, Number(process.env.BENCH_RUNS ?? 7));
const TARGET_MS_OVER_BARE = 150;
const TARGET_MIB_OVER_BARE = 20;

function render(
  setups: Setup[],
  samples: Map<string, StartupSample[]>,
): string {
  const bare = samples.get('bare');
  const rows = [
    [
      'setup',
      'first response, ms',
      'over bare, ms',
      'RSS after it, MiB',
      'over bare, MiB',
    ],
  ];
  for (const setup of setups) {
    const runs = samples.get(setup.name)!;
    const times = runs.map((s) => s.firstResponseMs);
    const rss = runs.map((s) => s.rssMiB);
    // Paired by round, so drift of the machine during the run cancels out.
    const overMs = bare
      ? runs.map((s, i) => s.firstResponseMs - bare[i].firstResponseMs)
      : [];
    const overMiB = bare ? runs.map((s, i) => s.rssMiB - bare[i].rssMiB) : [];
    const isBare = setup.name === 'bare';
    rows.push([
      setup.label,
      formatSummary(summarize(times)),
      isBare || !bare ? '–' : formatSummary(summarize(overMs)),
      formatSummary(summarize(rss), 1),
      isBare || !bare ? '–' : formatSummary(summarize(overMiB), 1),
    ]);
  }

  const lines = [
    '## Start-up',
    '',
    `Command: \`npm run bench:startup\` (${RUNS} runs per setup, interleaved, after one warm-up round).`,
    `Machine: ${describeMachine()}.`,
    quietNote(),
    '',
    'Time from spawning `node [preload] dist/main.js` (workers on) to the first',
    '200 from `GET /health` (polled every 2 ms), and VmRSS right after it.',
    '"Over bare" is the median of the per-round differences.',
    '',
    table(rows),
  ];

  const gateway = samples.get('gateway');
  if (gateway && bare) {
    const overMs = median(
      gateway.map((s, i) => s.firstResponseMs - bare[i].firstResponseMs),
    );
    const overMiB = median(gateway.map((s, i) => s.rssMiB - bare[i].rssMiB));
    const met = overMs < TARGET_MS_OVER_BARE && overMiB < TARGET_MIB_OVER_BARE;
    lines.push(
      '',
      `Targets for the gateway: under ${TARGET_MS_OVER_BARE} ms over bare: ` +
        `${overMs < TARGET_MS_OVER_BARE ? 'met' : 'not met'} (${overMs.toFixed(0)} ms); ` +
        `under ${TARGET_MIB_OVER_BARE} MiB over bare: ` +
        `${overMiB < TARGET_MIB_OVER_BARE ? 'met' : 'not met'} (${overMiB.toFixed(1)} MiB).` +
        (met
          ? ''
          : ' What limits it: loading the SDK and the instrumentations, the module ' +
            "hooks' work on every `require` the service makes afterwards, and the memory " +
            'all that code takes. The vendor SDKs load on first use, after start-up. ' +
            '"Where the time goes" measures each part.'),
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  assertBuilt();
  const setups = selectedSetups();
  const releaseDatabase = await prepareDatabase();

  console.log('warm-up round');
  for (const setup of setups) await measureStartup(setup);

  const samples = new Map<string, StartupSample[]>(
    setups.map((s) => [s.name, []]),
  );
  for (let round = 0; round < RUNS; round++) {
    for (const setup of rotate(setups, round)) {
      await waitForQuiet();
      const sample = await measureStartup(setup);
      samples.get(setup.name)!.push(sample);
      console.log(
        `round ${round + 1}/${RUNS} ${setup.name}: ${sample.firstResponseMs.toFixed(0)} ms, ${sample.rssMiB.toFixed(1)} MiB`,
      );
    }
  }
  await releaseDatabase();
  writeSection('startup', render(setups, samples));
}

await main();
