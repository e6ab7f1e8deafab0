/** One line of the doctor's report. */

export type CheckStatus = 'ok' | 'off' | 'fail';

export interface CheckLine {
  status: CheckStatus;
  /** The route or store checked, such as `sentry` or `postgres`. */
  name: string;
  detail: string;
}

export function ok(name: string, detail: string): CheckLine {
  return { status: 'ok', name, detail };
}

export function off(name: string, detail: string): CheckLine {
  return { status: 'off', name, detail };
}

export function fail(name: string, detail: string): CheckLine {
  return { status: 'fail', name, detail };
}

export function formatLine(line: CheckLine): string {
  return `${line.status.padEnd(4)} ${line.name}: ${line.detail}`;
}
