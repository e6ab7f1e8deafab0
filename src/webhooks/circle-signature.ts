import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY_REQUEST_TIMEOUT_MS = 5000;

/** Circle's key endpoint failed, so the webhook could not be checked. */
export class CircleKeyUnavailableError extends Error {
  override name = 'CircleKeyUnavailableError';
}

export type CircleVerdict = 'valid' | 'invalid';

/**
 * Checks Circle's webhook signatures: `X-Circle-Signature` is a base64 ECDSA
 * (P-256, SHA-256, DER-encoded) signature of the raw body, made with the key
 * named by `X-Circle-Key-Id`. The public key is fetched from
 * `GET <CIRCLE_BASE_URL>/v2/notifications/publicKey/<keyId>` and cached for
 * the life of the process; Circle's documentation says the key behind an id
 * is static. A key id Circle does not know makes the signature invalid, and
 * so does a missing CIRCLE_API_KEY, which the key endpoint requires.
 */
@Injectable()
export class CircleSignatureVerifier {
  private readonly logger = new Logger(CircleSignatureVerifier.name);
  private readonly keys = new Map<string, Promise<KeyObject | undefined>>();
  private warnedNoApiKey = false;

  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  /** Throws CircleKeyUnavailableError when the key cannot be fetched now. */
  async verify(
    rawBody: Buffer,
    keyId: unknown,
    signature: unknown,
  ): Promise<CircleVerdict> {
    if (!this.config.circle.apiKey) {
      if (!this.warnedNoApiKey) {
        this.warnedNoApiKey = true;
        this.logger.warn('CIRCLE_API_KEY is not set; every Circle webhook is rejected');
      }
      return 'invalid';
    }
    if (typeof keyId !== 'string' || !UUID.test(keyId)) return 'invalid';
    if (typeof signature !== 'string' || signature.length === 0) {
      return 'invalid';
    }
    const key = await this.publicKey(keyId);
    if (!key) return 'invalid';
    try {
      const valid = verify(
        'sha256',
        rawBody,
        { key, dsaEncoding: 'der' },
        Buffer.from(signature, 'base64'),
      );
      return valid ? 'valid' : 'invalid';
    } catch {
      return 'invalid'; // a malformed DER signature
    }
  }

  private publicKey(keyId: string): Promise<KeyObject | undefined> {
    let key = this.keys.get(keyId);
    if (!key) {
      key = this.fetchKey(keyId);
      this.keys.set(keyId, key);
      // Only keys are cached: caching unknown ids would let forged requests
      // with random ids grow the cache without bound.
      const forget = () => this.keys.delete(keyId);
      key.then((found) => found ?? forget(), forget);
    }
    return key;
  }

  private async fetchKey(keyId: string): Promise<KeyObject | undefined> {
    const url = `${this.config.circle.baseUrl}/v2/notifications/publicKey/${keyId}`;
    const headers = {
      accept: 'application/json',
      authorization: `Bearer ${this.config.circle.apiKey}`,
    };
    let response: Response;
    try {
      response = await fetch(url, {
        headers,
        signal: AbortSignal.timeout(KEY_REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CircleKeyUnavailableError(
        `fetching Circle public key ${keyId} failed: ${errorMessage(error)}`,
      );
    }
    const body = (await response.json().catch(() => undefined)) as
      | { data?: { publicKey?: unknown; algorithm?: unknown } }
      | undefined;
    if (response.status === 404) {
      this.logger.warn(`Circle does not know public key ${keyId}`);
      return undefined;
    }
    if (!response.ok) {
      throw new CircleKeyUnavailableError(
        `fetching Circle public key ${keyId} failed with status ${response.status}; check CIRCLE_API_KEY and CIRCLE_BASE_URL`,
      );
    }
    const publicKey = body?.data?.publicKey;
    if (typeof publicKey !== 'string' || body?.data?.algorithm !== 'ECDSA_SHA_256') {
      throw new CircleKeyUnavailableError(
        `Circle public key ${keyId} came without a base64 publicKey and algorithm ECDSA_SHA_256`,
      );
    }
    return createPublicKey({
      key: Buffer.from(publicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
  }
}
