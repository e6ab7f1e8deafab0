import {
  Controller,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  Logger,
  Post,
  Req,
  type RawBodyRequest,
} from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { asPaystackEvent, paystackEventKey } from './paystack-events';
import { isValidPaystackSignature } from './paystack-signature';
import { WebhookInbox } from './webhook-inbox.service';

/**
 * `POST /webhooks/paystack`: verified on arrival, stored, acknowledged, and
 * processed later from the `webhooks` queue. The response status `accepted`
 * means stored for processing, and `duplicate` means stored before.
 */
@Controller('webhooks')
export class PaystackController {
  private readonly logger = new Logger(PaystackController.name);
  private warnedNoSecret = false;

  constructor(
    private readonly inbox: WebhookInbox,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  @Post('paystack')
  @HttpCode(200)
  async paystack(
    @Req() request: RawBodyRequest<Request>,
    @Headers('x-paystack-signature') signature: unknown,
  ): Promise<{ status: string }> {
    const secret = this.config.paystackSecretKey;
    if (!secret && !this.warnedNoSecret) {
      this.warnedNoSecret = true;
      this.logger.warn('PAYSTACK_SECRET_KEY is not set; every Paystack webhook is rejected');
    }
    const rawBody = request.rawBody;
    if (!secret || !rawBody || !isValidPaystackSignature(rawBody, signature, secret)) {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'invalid_signature',
        'x-paystack-signature is missing or does not match the body',
      );
    }

    const event = asPaystackEvent(request.body);
    if (!event) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'invalid_event',
        'body must be a Paystack event with event and data.id',
      );
    }
    const status = await this.inbox.accept({
      provider: 'paystack',
      eventKey: paystackEventKey(event),
      eventType: event.event,
      reference: event.data.reference,
      payload: event,
    });
    return { status };
  }
}
