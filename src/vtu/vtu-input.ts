import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/api-error';

/** Networks VTPass sells airtime for, with VTPass's service id for each. */
export const NETWORK_SERVICE_IDS = {
  mtn: 'mtn',
  glo: 'glo',
  airtel: 'airtel',
  '9mobile': 'etisalat',
} as const;

export type Network = keyof typeof NETWORK_SERVICE_IDS;

export interface AirtimeInput {
  userId: string;
  network: Network;
  /** Nigerian mobile number in the local form 0XXXXXXXXXX. */
  phone: string;
  /** In kobo, a whole number of naira. */
  amount: number;
}

const FIELDS = ['userId', 'network', 'phone', 'amount'] as const;
const MAX_USER_ID_LENGTH = 128;
const NIGERIAN_MOBILE = /^(?:\+234|234|0)([789][01]\d{8})$/;

/** `+2348031234567`, `2348031234567` and `08031234567` to `08031234567`. */
export function normalisePhone(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = NIGERIAN_MOBILE.exec(value.replace(/[\s-]/g, ''));
  return match ? `0${match[1]}` : undefined;
}

function isValid(field: (typeof FIELDS)[number], value: unknown): boolean {
  switch (field) {
    case 'userId':
      return (
        typeof value === 'string' &&
        value.trim().length > 0 &&
        value.length <= MAX_USER_ID_LENGTH
      );
    case 'network':
      return typeof value === 'string' && Object.hasOwn(NETWORK_SERVICE_IDS, value);
    case 'phone':
      return normalisePhone(value) !== undefined;
    case 'amount':
      return (
        typeof value === 'number' &&
        Number.isSafeInteger(value) &&
        value > 0 &&
        value % 100 === 0
      );
  }
}

/**
 * Validates a `POST /vtu/airtime` body. Errors name the fields and never
 * echo their values: a phone number is personal data.
 */
export function parseAirtimeInput(body: unknown): AirtimeInput {
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
      `missing or invalid fields: ${invalid.join(', ')} (userId: 1-${MAX_USER_ID_LENGTH} characters; network: ${Object.keys(NETWORK_SERVICE_IDS).join(', ')}; phone: Nigerian mobile number; amount: positive whole naira in kobo, for example 50000 for NGN 500)`,
    );
  }
  return {
    userId: record.userId as string,
    network: record.network as Network,
    phone: normalisePhone(record.phone)!,
    amount: record.amount as number,
  };
}

/**
 * Builds a VTPass request id: the date and time in Africa/Lagos as
 * YYYYMMDDHHmm, which VTPass requires as the first 12 characters, then
 * `random`.
 */
export function vtpassRequestId(now: Date, random: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Africa/Lagos',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(now)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}${parts.month}${parts.day}${parts.hour}${parts.minute}${random}`;
}
