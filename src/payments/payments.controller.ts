import { Body, Controller, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { parseIdempotencyKey, parsePaymentInput } from './payment-input';
import { PaymentsService, toPaymentView, type PaymentView } from './payments.service';

@Controller('payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Post()
  @HttpCode(201)
  async create(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: unknown,
  ): Promise<Pick<PaymentView, 'id' | 'reference' | 'status'>> {
    const input = parsePaymentInput(body);
    const key = parseIdempotencyKey(idempotencyKey);
    const transaction = await this.payments.create(input, key);
    return {
      id: transaction.id,
      reference: transaction.reference,
      status: transaction.status,
    };
  }

  @Get(':id')
  async findOne(@Param('id') id: string): Promise<PaymentView> {
    return toPaymentView(await this.payments.findById(id));
  }
}
