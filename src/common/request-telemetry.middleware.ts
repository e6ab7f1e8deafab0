import { Injectable, type NestMiddleware } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { withoutPersonalData } from './personal-data';

/** Bodies larger than this are recorded by size only. */
const MAX_RECORDED_BODY_BYTES = 8 * 1024;

/** Attribute that contains the request body as JSON text. */
export const REQUEST_BODY_ATTRIBUTE = 'app.request.body';

function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'object' && Object.keys(body).length === 0) return undefined;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const bytes = Buffer.byteLength(text);
  return bytes > MAX_RECORDED_BODY_BYTES ? `[${bytes} bytes not recorded]` : text;
}

/**
 * Records each request's headers (as `http.request.header.<name>`, the
 * semantic conventions' names) and its parsed body on the server span, so
 * support can see what a client sent. Secrets in both are masked by the
 * telemetry gateway before any span leaves the process. Phone numbers,
 * emails and names are not secrets, so they are left out here.
 */
@Injectable()
export class RequestTelemetryMiddleware implements NestMiddleware {
  use(request: Request, _response: Response, next: NextFunction): void {
    const span = trace.getActiveSpan();
    if (span?.isRecording()) {
      for (const [name, value] of Object.entries(request.headers)) {
        if (value === undefined) continue;
        span.setAttribute(
          `http.request.header.${name}`,
          Array.isArray(value) ? value : [value],
        );
      }
      const body = bodyText(withoutPersonalData(request.body));
      if (body !== undefined) span.setAttribute(REQUEST_BODY_ATTRIBUTE, body);
    }
    next();
  }
}
