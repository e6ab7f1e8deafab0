import { Body, Controller, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { addLogContext } from '../common/logging/log-context';
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
    addLogContext({ userId: input.userId });
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
    const transaction = await this.payments.findById(id);
    addLogContext({
      userId: transaction.userId,
      transactionId: transaction.id,
      transactionReference: transaction.reference,
    });
    return toPaymentView(transaction);
  }
}
