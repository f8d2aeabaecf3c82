import fc from 'fast-check';
import {
  RECEIPT_STATUSES,
  laterStatus,
  meaningOf,
  movesForward,
  statusesBefore,
} from '../../../lib/receipts/status-rules';
import type { SmsStatus } from '../../../lib/table/delivery-model';

/**
 * Properties of the status rules over generated report sequences: Sinch may send any statuses, in any
 * order, any number of times; what an attempt ends in must depend only on which statuses it saw.
 */

const receipt = fc.constantFrom(...RECEIPT_STATUSES);

/** Applies receipts the way the recorder does: a status only moves forward, others change nothing. */
function applyAll(receipts: readonly (typeof RECEIPT_STATUSES)[number][]): {
  status: SmsStatus;
  history: SmsStatus[];
} {
  let status: SmsStatus = 'SENT';
  const history: SmsStatus[] = [status];
  for (const next of receipts) {
    const target = meaningOf(next).status;
    if (target && movesForward(status, target)) status = target;
    history.push(status);
  }
  return { status, history };
}

describe('status rules, for any sequence of receipts', () => {
  it('end in the same status whatever the order', () => {
    fc.assert(
      fc.property(
        fc
          .array(receipt, { maxLength: 12 })
          .chain((r) =>
            fc.tuple(fc.constant(r), fc.shuffledSubarray(r, { minLength: r.length, maxLength: r.length })),
          ),
        ([receipts, shuffled]) => {
          expect(applyAll(shuffled).status).toBe(applyAll(receipts).status);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('are idempotent: repeating any receipt changes nothing', () => {
    fc.assert(
      fc.property(fc.array(receipt, { minLength: 1, maxLength: 10 }), fc.nat(), (receipts, pick) => {
        const repeated = [...receipts, receipts[pick % receipts.length]!];
        expect(applyAll(repeated).status).toBe(applyAll(receipts).status);
      }),
      { numRuns: 1000 },
    );
  });

  it('never move a status backwards, and a FAILED attempt stays FAILED', () => {
    fc.assert(
      fc.property(fc.array(receipt, { maxLength: 12 }), (receipts) => {
        const { history } = applyAll(receipts);
        for (let i = 1; i < history.length; i += 1) {
          expect(movesForward(history[i]!, history[i - 1]!)).toBe(false);
          if (history[i - 1] === 'FAILED') expect(history[i]).toBe('FAILED');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('agree with laterStatus and with the condition the recorder writes', () => {
    const statuses: SmsStatus[] = ['SENT', 'QUEUED_ON_CHANNEL', 'DELIVERED', 'READ', 'FAILED'];
    fc.assert(
      fc.property(fc.constantFrom(...statuses), fc.constantFrom(...statuses), (a, b) => {
        expect(laterStatus(a, b)).toBe(laterStatus(b, a));
        expect(statusesBefore(b).includes(a)).toBe(movesForward(a, b));
      }),
    );
  });
});
