/**
 * Parts shared by the outbox relays. A relay adds rows (or stored events)
 * that did not reach BullMQ later, each inside the trace context stored with
 * it, and checks rows handed over long ago against Redis now and then.
 */
import type { Redis } from 'ioredis';
import { withTraceparent } from '../common/trace-context';
import { withTimeout } from '../common/with-timeout';

/**
 * Rows younger than this are left to the request that wrote them, which
 * enqueues right after its commit and gives up after 2 s. Relaying them too
 * would add a second, redundant publish span to the request's trace.
 */
export const RELAY_GRACE_MS = 5000;

/** Rows read per relay run. */
export const RELAY_BATCH_SIZE = 200;

const ADD_TIMEOUT_MS = 5000;

/**
 * Runs `add` inside the trace context stored with a row, so the job's spans
 * join the request that wrote it, and gives up after 5 s. `rowName` names
 * the row in the timeout message.
 */
export function addInStoredTrace(
  traceparent: string | null,
  rowName: string,
  add: () => Promise<unknown>,
): Promise<unknown> {
  return withTraceparent(traceparent, () =>
    withTimeout(add(), ADD_TIMEOUT_MS, `adding ${rowName} timed out after ${ADD_TIMEOUT_MS} ms`),
  );
}

/**
 * When to check handed-over rows against Redis: at most every quarter of
 * `recheckAfterMs`, and only while Redis is ready.
 */
export class RecheckSchedule {
  private lastAt = 0;

  constructor(
    private readonly recheckAfterMs: number,
    private readonly redis: Redis,
  ) {}

  /** Returns true when a check is due now, and starts the next quarter period. */
  due(now: number): boolean {
    if (now - this.lastAt < this.recheckAfterMs / 4) return false;
    if (this.redis.status !== 'ready') return false;
    this.lastAt = now;
    return true;
  }
}
