import {
  Controller,
  Head,
  Headers,
  HttpCode,
  HttpStatus,
  Logger,
  Post,
  Req,
  type RawBodyRequest,
} from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { asCircleNotification } from './circle-events';
import {
  CircleKeyUnavailableError,
  CircleSignatureVerifier,
} from './circle-signature';
import { WebhookInbox } from './webhook-inbox.service';

/**
 * `POST /webhooks/circle`: the signature is checked with the public key
 * Circle names in `X-Circle-Key-Id`; a bad signature is 401 and nothing is
 * stored. If the key cannot be fetched the response is 503, so Circle retries.
 */
@Controller('webhooks')
export class CircleController {
  private readonly logger = new Logger(CircleController.name);

  constructor(
    private readonly inbox: WebhookInbox,
    private readonly verifier: CircleSignatureVerifier,
  ) {}

  /** Circle sends HEAD to check a subscriber endpoint exists. */
  @Head('circle')
  @HttpCode(200)
  exists(): void {}

  @Post('circle')
  @HttpCode(200)
  async circle(
    @Req() request: RawBodyRequest<Request>,
    @Headers('x-circle-key-id') keyId: unknown,
    @Headers('x-circle-signature') signature: unknown,
  ): Promise<{ status: string }> {
    const rawBody = request.rawBody ?? Buffer.alloc(0);
    let verdict: string;
    try {
      verdict = await this.verifier.verify(rawBody, keyId, signature);
    } catch (error) {
      if (!(error instanceof CircleKeyUnavailableError)) throw error;
      this.logger.error(`Circle webhook not verified: ${error.message}`);
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'verification_unavailable',
        'the signing key could not be fetched from Circle; retry later',
      );
    }
    if (verdict !== 'valid') {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'invalid_signature',
        'x-circle-signature is missing or does not match the body and x-circle-key-id',
      );
    }

    const notification = asCircleNotification(request.body);
    if (!notification) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'invalid_event',
        'body must be a Circle notification with notificationId, notificationType and notification',
      );
    }
    const status = await this.inbox.accept({
      provider: 'circle',
      eventKey: notification.notificationId,
      eventType: notification.notificationType,
      reference: notification.notification.refId,
      payload: notification,
    });
    return { status };
  }
}
