/**
 * What the outbox relays share: rows (or stored events) that did not reach
 * BullMQ are added later, each inside the trace context stored with it, and
 * rows handed over long ago are checked against Redis now and then.
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
 * join the request that wrote it; gives up after 5 s. `what` names the row
 * in the timeout message.
 */
export function addInStoredTrace(
  traceparent: string | null,
  what: string,
  add: () => Promise<unknown>,
): Promise<unknown> {
  return withTraceparent(traceparent, () =>
    withTimeout(add(), ADD_TIMEOUT_MS, `adding ${what} timed out after ${ADD_TIMEOUT_MS} ms`),
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

  /** True when a check is due now; the next one is then a quarter period away. */
  due(now: number): boolean {
    if (now - this.lastAt < this.recheckAfterMs / 4) return false;
    if (this.redis.status !== 'ready') return false;
    this.lastAt = now;
    return true;
  }
}
