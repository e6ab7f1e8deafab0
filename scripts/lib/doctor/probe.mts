/**
 * One harmless HTTP request with a deadline, classified for the doctor:
 * accepted (2xx), rejected credentials (401, 403), another status, no answer
 * in time, or unreachable. Only the host is ever put in a message.
 */

export interface ProbeRequest {
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
  timeoutMillis: number;
}

export type ProbeResult =
  | { outcome: 'accepted'; status: number; millis: number }
  | { outcome: 'rejected'; status: number }
  | { outcome: 'unexpected'; status: number }
  | { outcome: 'timeout' }
  | { outcome: 'unreachable'; reason: string };

/** The error code of a failed fetch, such as ECONNREFUSED or ENOTFOUND. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })
    ?.cause;
  return cause?.code ?? cause?.message ?? String(error);
}

export async function probe(request: ProbeRequest): Promise<ProbeResult> {
  const started = Date.now();
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMillis),
    });
    // The body is not needed; dropping it frees the connection.
    await response.body?.cancel();
    const status = response.status;
    if (status >= 200 && status < 300) {
      return { outcome: 'accepted', status, millis: Date.now() - started };
    }
    if (status === 401 || status === 403) {
      return { outcome: 'rejected', status };
    }
    return { outcome: 'unexpected', status };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return { outcome: 'timeout' };
    return { outcome: 'unreachable', reason: networkReason(error) };
  }
}
