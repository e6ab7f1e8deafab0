import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * An error the API returns as `{ "error": { "code", "message" } }`. Messages
 * name fields but never echo the values a client sent.
 */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    message: string,
  ) {
    super({ error: { code, message } }, status);
  }
}
