import { performance } from 'node:perf_hooks';
import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { context as otelContext } from '@opentelemetry/api';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { sanitize } from '#otel';
import { withoutPersonalData } from '../personal-data';
import { currentLogContext, logContextAttributes } from './log-context';
import { AppLogger } from './app-logger';

/** Maximum length of the request body kept in a record, in characters. */
const MAX_BODY_LENGTH = 2048;

/** Health checks are logged at debug level so they do not drown the rest. */
const HEALTH_ROUTES = new Set(['/health']);

function queryString(url: string | undefined): string {
  const start = url?.indexOf('?') ?? -1;
  return start === -1 || !url ? '' : url.slice(start + 1);
}

function truncate(text: string): string {
  return text.length > MAX_BODY_LENGTH
    ? `${text.slice(0, MAX_BODY_LENGTH)}...(${text.length - MAX_BODY_LENGTH} more)`
    : text;
}

/**
 * Writes one structured record per HTTP request when its response is sent:
 * method, route, sanitized query and body, status, duration, user id, client
 * address and the transaction reference when there is one. Secrets are
 * masked by the gateway's rules; phone numbers, emails and names are left
 * out of the body.
 */
@Injectable()
export class RequestLoggingInterceptor implements NestInterceptor {
  constructor(private readonly logger: AppLogger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();

    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const started = performance.now();
    // The response may finish outside the request's async context, so the
    // trace and the log fields are taken now.
    const activeContext = otelContext.active();
    const logContext = currentLogContext();

    response.once('finish', () => {
      const route = `${request.baseUrl ?? ''}${(request.route as { path?: string } | undefined)?.path ?? ''}`;
      const status = response.statusCode;
      const record = {
        message: `${request.method} ${route || request.path} ${status}`,
        'http.request.method': request.method,
        'http.route': route,
        'http.response.status_code': status,
        'http.server.request.duration_ms': Math.round((performance.now() - started) * 100) / 100,
        'client.address': request.ip ?? '',
        // The raw query string, so signed parameters (sig=, token=) are
        // recognised by the value rules as they are in URLs.
        'url.query': sanitize(queryString(request.originalUrl)),
        'http.request.body': truncate(
          JSON.stringify(sanitize(withoutPersonalData(request.body ?? {}))),
        ),
        ...logContextAttributes(logContext),
      };
      let level: 'error' | 'warn' | 'log' | 'debug' = 'log';
      if (HEALTH_ROUTES.has(route) && status < 400) level = 'debug';
      else if (status >= 500) level = 'error';
      else if (status >= 400) level = 'warn';
      this.logger.write(level, record, ['HTTP'], activeContext);
    });
    return next.handle();
  }
}
