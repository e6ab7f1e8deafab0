import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { captureException } from '#otel';
import { ApiError } from './api-error';
import { currentLogContext } from './logging/log-context';

const CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/**
 * Returns true for the 400 Nest makes of body-parser's JSON `SyntaxError`,
 * whose message is V8's ("... is not valid JSON" or "... in JSON at
 * position N").
 */
function isJsonSyntaxError(exception: HttpException): boolean {
  return exception.getStatus() === HttpStatus.BAD_REQUEST && /\bJSON\b/.test(exception.message);
}

/**
 * Writes every error in the API's error shape. Client errors (4xx) are
 * expected, so they are not reported. Any other error is sent to the error
 * route with the request's context and the active trace, and its log record
 * carries the error route's event id.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();

    if (exception instanceof ApiError) {
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }

    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status < 500) {
        const code = CODES[status] ?? 'client_error';
        // Nest's own messages (for example a malformed JSON body) can quote
        // the request, so only the status text is returned, or a fixed text
        // for a body that is not JSON.
        const message = isJsonSyntaxError(exception)
          ? 'the request body is not valid JSON'
          : HttpStatus[status]?.toLowerCase().replaceAll('_', ' ');
        response.status(status).json({ error: { code, message } });
        return;
      }
    }

    this.report(exception, request);
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({
      error: { code: 'internal_error', message: 'internal server error' },
    });
  }

  private report(exception: unknown, request: Request): void {
    const route = `${request.baseUrl ?? ''}${(request.route as { path?: string } | undefined)?.path ?? ''}` || 'unknown';
    const logContext = currentLogContext() ?? {};
    const tags: Record<string, string> = {
      'http.route': route,
      'http.request.method': request.method,
    };
    if (logContext.requestId) tags['http.request.id'] = logContext.requestId;
    if (logContext.transactionReference) {
      tags['payment.transaction.reference'] = logContext.transactionReference;
    }
    const eventId = captureException(exception, {
      tags,
      user: logContext.userId ? { id: logContext.userId } : undefined,
    });

    this.logger.error(
      {
        message: `unhandled error on ${request.method} ${route}`,
        'sentry.event_id': eventId ?? '',
        'exception.type': exception instanceof Error ? exception.name : typeof exception,
        'exception.message': exception instanceof Error ? exception.message : String(exception),
      },
      exception instanceof Error ? exception.stack : undefined,
    );
  }
}
