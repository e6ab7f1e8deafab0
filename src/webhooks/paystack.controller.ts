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
import { isValidPaystackSignature } from './paystack-signature';
import { asPaystackEvent, WebhooksService } from './webhooks.service';

@Controller('webhooks')
export class PaystackController {
  private readonly logger = new Logger(PaystackController.name);
  private warnedNoSecret = false;

  constructor(
    private readonly webhooks: WebhooksService,
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
    return { status: await this.webhooks.applyPaystack(event) };
  }
}
