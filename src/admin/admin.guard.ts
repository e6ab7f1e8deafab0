import { timingSafeEqual } from 'node:crypto';
import {
  HttpStatus,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';

function sameToken(received: string, expected: string): boolean {
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Lets a request through only with `Authorization: Bearer <ADMIN_API_TOKEN>`.
 * Without ADMIN_API_TOKEN the admin endpoints are off (403).
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.adminApiToken;
    if (!expected) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'admin_disabled',
        'admin endpoints are off; set ADMIN_API_TOKEN to turn them on',
      );
    }
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (!sameToken(token, expected)) {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'unauthorized',
        'Authorization must be Bearer <ADMIN_API_TOKEN>',
      );
    }
    return true;
  }
}
