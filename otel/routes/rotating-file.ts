import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

const NEWLINE = Buffer.from('\n');

/**
 * An append-only file of JSON lines, capped in size. When a write would take
 * the file past `maxBytes`, the file is renamed to `<name>.1` (replacing the
 * previous one) and a new file is started, so a signal never takes more than
 * about twice `maxBytes` on disk.
 *
 * Writes are queued and run one at a time. Each line is appended with one
 * write, so lines from the API and worker processes sharing a file do not
 * interleave. NOTE: two processes rotating at the same moment can lose the
 * older generation of one of them; the current file is never lost.
 */
export class RotatingFile {
  private queue: Promise<void> = Promise.resolve();
  private dirReady?: Promise<unknown>;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
  ) {}

  /**
   * Queues one line, text or UTF-8 bytes, without its newline; failures are
   * passed to `onError`, never thrown.
   */
  append(line: string | Uint8Array, onError: (error: unknown) => void): Promise<void> {
    const data =
      typeof line === 'string' ? `${line}\n` : Buffer.concat([line, NEWLINE]);
    this.queue = this.queue
      .then(() => this.write(data))
      .catch(onError);
    return this.queue;
  }

  /** Resolves when every queued line has been written or has failed. */
  flush(): Promise<void> {
    return this.queue;
  }

  private async write(data: string | Buffer): Promise<void> {
    this.dirReady ??= mkdir(dirname(this.path), { recursive: true });
    await this.dirReady;

    const size = await stat(this.path).then(
      (s) => s.size,
      () => 0,
    );
    if (size > 0 && size + Buffer.byteLength(data) > this.maxBytes) {
      await rename(this.path, `${this.path}.1`).catch(() => undefined);
    }
    await appendFile(this.path, data);
  }
}
