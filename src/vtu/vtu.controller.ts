import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { parseIdempotencyKey } from '../payments/payment-input';
import { parseAirtimeInput } from './vtu-input';
import { VtuService } from './vtu.service';

@Controller('vtu')
export class VtuController {
  constructor(private readonly vtu: VtuService) {}

  /**
   * `POST /vtu/airtime` with `{ userId, network, phone, amount }` -> 201
   * `{ id, reference, status }`: COMPLETED or FAILED when VTPass's response
   * has a final status, else PROCESSING until its callback arrives.
   */
  @Post('airtime')
  @HttpCode(201)
  async airtime(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: unknown,
  ) {
    const input = parseAirtimeInput(body);
    const key = parseIdempotencyKey(idempotencyKey);
    const purchase = await this.vtu.buyAirtime(input, key);
    return {
      id: purchase.id,
      reference: purchase.reference,
      status: purchase.status,
    };
  }
}
