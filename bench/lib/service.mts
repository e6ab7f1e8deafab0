/**
 * Runs the reference service (or any script) under one setup as a child
 * process, and reads what the benchmarks measure from /proc: resident memory
 * and CPU time. Linux only, because of /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ROOT } from '../../scripts/lib/processes.mts';

/** Clock ticks per second of /proc/<pid>/stat; 100 on Linux x86-64. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface RunningService {
  child: ChildProcess;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

export function spawnNode(
  args: string[],
  env: Record<string, string | undefined>,
): RunningService {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return {
    child,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves with the exit code (null after a signal) once `service` exits. */
export async function exitCode(
  service: RunningService,
): Promise<number | null> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null)
    return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

/** Resolves with the status of `GET url`, or rejects if nothing listens. */
function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Polls `GET <baseUrl>/health` every `intervalMs` until it returns 200 and
 * resolves with the milliseconds since `spawnedAt` (a performance.now()
 * taken just before the spawn). The poll interval bounds the resolution.
 */
export async function timeToFirstResponse(
  service: RunningService,
  baseUrl: string,
  spawnedAt: number,
  timeoutMs = 30_000,
  intervalMs = 2,
): Promise<number> {
  const deadline = spawnedAt + timeoutMs;
  while (performance.now() < deadline) {
    if (service.child.exitCode !== null) {
      throw new Error(`service exited early:\n${service.output()}`);
    }
    const status = await getStatus(`${baseUrl}/health`).catch(() => 0);
    if (status === 200) return performance.now() - spawnedAt;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${baseUrl}/health:\n${service.output()}`,
  );
}

/** Resident set size of `pid` in bytes (VmRSS of /proc/<pid>/status). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** User plus system CPU time of `pid`, all threads, in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}
