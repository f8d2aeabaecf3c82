import { maskPhone } from '../lib/shared/pii';

// A run of 7 to 15 digits, optionally after "+", that is not part of a longer token such as a ULID.
const DIGIT_RUN = /(?<![A-Za-z0-9])\+?\d{7,15}(?![A-Za-z0-9])/g;

/**
 * Masks anything that looks like a phone number in free text we did not write: Sinch reason
 * descriptions, Lambda error messages in the execution history. Sinch writes MSISDNs without a leading
 * `+`, so any long digit run is treated as one; masking a harmless number is the cheaper mistake.
 *
 * @example
 * redactNumbers('The underlying channel reported: 46701234567 absent'); // 'The underlying channel reported: +46*****4567 absent'
 */
export function redactNumbers(text: string): string {
  return text.replace(DIGIT_RUN, (run) => maskPhone(run.startsWith('+') ? run : `+${run}`));
}
