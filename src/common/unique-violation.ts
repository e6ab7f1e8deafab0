import { Prisma } from '../generated/prisma/client';

/** True for Prisma's unique-constraint error (P2002). */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Prisma.PrismaClientKnownRequestError &&
    error.code === 'P2002'
  );
}
