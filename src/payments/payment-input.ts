import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/api-error';

export const PAYMENT_METHODS = ['card', 'bank_transfer', 'ussd', 'wallet'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface PaymentInput {
  userId: string;
  amount: number;
  currency: string;
  method: PaymentMethod;
}

const FIELDS = ['userId', 'amount', 'currency', 'method'] as const;
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const MAX_USER_ID_LENGTH = 128;
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

function isValid(field: (typeof FIELDS)[number], value: unknown): boolean {
  switch (field) {
    case 'userId':
      return (
        typeof value === 'string' &&
        value.trim().length > 0 &&
        value.length <= MAX_USER_ID_LENGTH
      );
    case 'amount':
      return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
    case 'currency':
      return typeof value === 'string' && CURRENCIES.has(value);
    case 'method':
      return PAYMENT_METHODS.includes(value as PaymentMethod);
  }
}

/**
 * Validates a `POST /payments` body. Errors name the offending fields and
 * never echo their values, which may be personal data.
 */
export function parsePaymentInput(body: unknown): PaymentInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      'invalid_request',
      'request body must be a JSON object',
    );
  }
  const record = body as Record<string, unknown>;

  const unknown = Object.keys(record).filter(
    (key) => !(FIELDS as readonly string[]).includes(key),
  );
  if (unknown.length > 0) {
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      'unknown_fields',
      `unknown fields: ${unknown.join(', ')}`,
    );
  }

  const invalid = FIELDS.filter((field) => !isValid(field, record[field]));
  if (invalid.length > 0) {
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      'invalid_fields',
      `missing or invalid fields: ${invalid.join(', ')} (userId: 1-${MAX_USER_ID_LENGTH} characters; amount: positive integer in minor units; currency: ISO 4217 code; method: ${PAYMENT_METHODS.join(', ')})`,
    );
  }
  return record as unknown as PaymentInput;
}

/** Validates the optional `Idempotency-Key` header. */
export function parseIdempotencyKey(header: unknown): string | undefined {
  if (header === undefined) return undefined;
  if (
    typeof header !== 'string' ||
    header.length === 0 ||
    header.length > MAX_IDEMPOTENCY_KEY_LENGTH
  ) {
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      'invalid_idempotency_key',
      `Idempotency-Key must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
    );
  }
  return header;
}
