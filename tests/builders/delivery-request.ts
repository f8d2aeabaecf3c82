import type { DeliveryRequest } from '../../lib/delivery/delivery-request';

/** A fixed "now" for tests that validate requests; `expiresAt` defaults to ten minutes after it. */
export const TEST_NOW = new Date('2030-01-01T12:00:00.000Z');

/** A mobile number libphonenumber-js accepts (the Ofcom drama range 07700 900xxx is not valid). */
export const TEST_MOBILE = '+447400123456';

/**
 * A valid send request with every optional part present; override any field.
 *
 * @example
 * aDeliveryRequest({ email: undefined }); // SMS only
 */
export function aDeliveryRequest(overrides: Partial<DeliveryRequest> = {}): DeliveryRequest {
  return {
    deliveryId: 'login-7f3a9c',
    to: TEST_MOBILE,
    text: 'Your code is 482913. It expires in 10 minutes.',
    email: { to: 'alice@example.com', subject: 'Your sign-in code', text: 'Your code is 482913.' },
    expiresAt: new Date(TEST_NOW.getTime() + 10 * 60_000).toISOString(),
    ...overrides,
  };
}
