import { randomUUID } from 'node:crypto';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { runWithLogContext } from './log-context';

const REQUEST_ID = /^[\w.-]{1,128}$/;

/**
 * Gives each request an id (the caller's `x-request-id` when it is a plain
 * token, else a new UUID), echoes it in the response, and runs the rest of
 * the request inside a log context carrying it.
 */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    const header = request.headers['x-request-id'];
    const requestId =
      typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    response.setHeader('x-request-id', requestId);
    runWithLogContext({ requestId }, next);
  }
}
