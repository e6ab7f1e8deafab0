/**
 * Runs once before all test files: drops this checkout's test databases, so
 * every `npm test` starts from empty tables whatever earlier runs left
 * behind. Each test file creates and migrates its own database again on
 * first use; databases of other checkouts are left alone.
 */
import { dropCheckoutTestDatabases } from './env.mts';

export async function globalSetup(): Promise<void> {
  await dropCheckoutTestDatabases();
}
