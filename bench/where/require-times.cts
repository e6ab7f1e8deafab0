/**
 * Loads one preload entry in a fresh process and prints, as `RESULT <json>`,
 * how long it took and where the time went, file by file.
 *
 * Wraps the CommonJS `.js` loader, so each file's time covers compiling and
 * running it, including the files it requires; a file's self time excludes
 * those. ES modules (such as an `--import` instrument file) are timed as a
 * whole only.
 *
 * Usage: node bench/where/require-times.cts <require|import|none> <preload>
 *   [app module...]
 * App modules (paths from the working directory, or package names) are
 * required after the preload and timed apart, so the cost of the preload's
 * require hooks on the app's own loading shows.
 */
const Module = require('node:module') as typeof import('node:module') & {
  _extensions: Record<string, (module: unknown, filename: string) => void>;
};
const { performance } =
  require('node:perf_hooks') as typeof import('node:perf_hooks');
const { pathToFileURL } = require('node:url') as typeof import('node:url');
const { resolve } = require('node:path') as typeof import('node:path');
const { existsSync } = require('node:fs') as typeof import('node:fs');

interface FileTime {
  phase: 'preload' | 'app';
  file: string;
  parent: string | undefined;
  inclusiveMs: number;
  selfMs: number;
}

const files: FileTime[] = [];
let phase: FileTime['phase'] = 'preload';
const stack: { file: string; start: number; childMs: number }[] = [];
const loadJs = Module._extensions['.js'];

Module._extensions['.js'] = function timedLoad(
  module: unknown,
  filename: string,
) {
  const frame = { file: filename, start: performance.now(), childMs: 0 };
  const parent = stack.at(-1)?.file;
  stack.push(frame);
  try {
    loadJs.call(this, module, filename);
  } finally {
    stack.pop();
    const inclusiveMs = performance.now() - frame.start;
    const caller = stack.at(-1);
    if (caller) caller.childMs += inclusiveMs;
    files.push({
      phase,
      file: filename,
      parent,
      inclusiveMs,
      selfMs: inclusiveMs - frame.childMs,
    });
  }
};

async function loadPreload(mode: string, specifier: string): Promise<void> {
  if (mode === 'import') {
    await import(pathToFileURL(resolve(specifier)).href);
  } else if (mode === 'require') {
    require(specifier.startsWith('.') ? resolve(specifier) : specifier);
  } else if (mode !== 'none') {
    throw new Error(`mode must be require, import or none, got ${mode}`);
  }
}

async function main(): Promise<void> {
  const [mode, specifier, ...appModules] = process.argv.slice(2);
  const start = performance.now();
  await loadPreload(mode, specifier);
  const preloadMs = performance.now() - start;

  phase = 'app';
  const appStart = performance.now();
  for (const app of appModules) {
    require(existsSync(resolve(app)) ? resolve(app) : app);
  }
  const appMs = performance.now() - appStart;
  // The preloads flush on beforeExit; nothing was traced, so exit at once,
  // but only after the pipe has taken the whole line.
  process.stdout.write(
    `RESULT ${JSON.stringify({ preloadMs, appMs, files })}\n`,
    () => process.exit(0),
  );
}

void main();
