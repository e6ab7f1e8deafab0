/**
 * Helpers to run the service as child processes with the preload, shared by
 * the demo, the tests and the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

/** Returns a TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (typeof address !== 'object' || address === null) {
    throw new Error('could not read the port of a probe server');
  }
  return address.port;
}

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code or signal. */
  stop(timeoutMs?: number): Promise<number | NodeJS.Signals | null>;
}

export interface StartOptions {
  script: 'dist/main.js' | 'dist/worker.js' | string;
  env: Record<string, string | undefined>;
  preload?: boolean;
  /** Echo the child's output to this process's stderr with a prefix. */
  echoPrefix?: string;
}

export function startService(options: StartOptions): ServiceProcess {
  const args = options.preload === false
    ? [options.script]
    : ['--require', './otel/register', options.script];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: options.env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (options.echoPrefix) {
      for (const line of text.split('\n')) {
        if (line) process.stderr.write(`${options.echoPrefix} ${line}\n`);
      }
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  return {
    child,
    output: () => output,
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) {
        return child.exitCode ?? child.signalCode;
      }
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
      clearTimeout(timer);
      return code ?? signal;
    },
  };
}

/** Polls `check` until it returns a value other than undefined. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const detail = lastError ? ` (last error: ${String(lastError)})` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}

/** Waits until `GET /health` answers 200. */
export async function waitForHealthy(
  baseUrl: string,
  service: ServiceProcess,
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(
    async () => {
      if (service.child.exitCode !== null) {
        throw new Error(`service exited early:\n${service.output()}`);
      }
      const response = await fetch(`${baseUrl}/health`);
      return response.status === 200 ? true : undefined;
    },
    timeoutMs,
    `${baseUrl}/health`,
  );
}
