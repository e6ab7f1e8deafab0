import {
  Controller,
  HttpCode,
  HttpStatus,
  Post,
  Req,
  type RawBodyRequest,
} from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { asVtpassCallback, vtpassEventKey } from './vtpass-events';
import { WebhookInbox } from './webhook-inbox.service';

/**
 * `POST /webhooks/vtpass`: VTPass signs nothing, so the callback is stored
 * unverified and confirmed against VTPass's status API when processed.
 * VTPass repeats a callback until the response has `"response": "success"`.
 */
@Controller('webhooks')
export class VtpassController {
  constructor(private readonly inbox: WebhookInbox) {}

  @Post('vtpass')
  @HttpCode(200)
  async vtpass(
    @Req() request: RawBodyRequest<Request>,
  ): Promise<{ response: 'success'; status: string }> {
    const callback = asVtpassCallback(request.body);
    if (!callback) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'invalid_event',
        'body must be a VTPass callback with type and data',
      );
    }
    const status = await this.inbox.accept({
      provider: 'vtpass',
      eventKey: vtpassEventKey(callback, request.rawBody ?? Buffer.alloc(0)),
      eventType: callback.type,
      reference: callback.data.requestId,
      payload: callback,
    });
    return { response: 'success', status };
  }
}
