import { createHmac } from 'node:crypto';

/** Signs a webhook body the way Paystack does (hex HMAC-SHA512). */
export function signPaystack(body: string, secretKey: string): string {
  return createHmac('sha512', secretKey).update(body).digest('hex');
}

/**
 * A `charge.success` event shaped like the example in Paystack's webhook
 * documentation. Every value here is made up.
 */
export function chargeSuccessEvent(
  reference: string,
  amount: number,
  currency: string,
  id = Math.floor(Math.random() * 1e9),
) {
  const now = new Date().toISOString();
  return {
    event: 'charge.success',
    data: {
      id,
      domain: 'test',
      status: 'success',
      reference,
      amount,
      message: null,
      gateway_response: 'Approved',
      paid_at: now,
      created_at: now,
      channel: 'card',
      currency,
      ip_address: '127.0.0.1',
      metadata: 0,
      fees: 7500,
      customer: {
        id: 84312,
        first_name: 'Ada',
        last_name: 'Obi',
        email: 'ada.obi@example.com',
        customer_code: 'CUS_demo000000000',
        phone: null,
        metadata: null,
        risk_action: 'default',
      },
      authorization: {
        authorization_code: 'AUTH_demo0000',
        bin: '408408',
        last4: '4081',
        exp_month: '12',
        exp_year: '2030',
        channel: 'card',
        card_type: 'visa DEBIT',
        bank: 'Test Bank',
        country_code: 'NG',
        brand: 'visa',
        reusable: true,
      },
      plan: {},
    },
  };
}
