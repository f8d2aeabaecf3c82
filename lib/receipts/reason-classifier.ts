import type { FailureClass } from '../shared/errors';

/**
 * The policy that turns a Sinch `reason` (docs/sinch.md#reason-codes) into the failure class the workflow acts
 * on (`Sms.<Class>`): Transient, RateLimited and Unknown are resent while the code is still valid;
 * Permanent, Policy and Config go straight to the email fallback. One table, one line of rationale per
 * code, so a reviewer can challenge each decision where it is made. `docs/reason-codes.md` mirrors it
 * (a test keeps the two in sync).
 *
 * Sinch models these enums as open, so any value not listed here is classified `Unknown`.
 */

/** How one reason code or sub-code is treated, and why. */
export interface ReasonPolicy {
  readonly failureClass: FailureClass;
  readonly rationale: string;
}

/** Every reason code Sinch documents or ships in an SDK. */
export const REASON_CODE_POLICY = {
  UNKNOWN: {
    failureClass: 'Unknown',
    rationale: 'Sinch could not say what went wrong; one resend is cheap, then email.',
  },
  INTERNAL_ERROR: {
    failureClass: 'Transient',
    rationale: 'A fault inside Sinch, not about the recipient; a resend after a backoff usually succeeds.',
  },
  RATE_LIMITED: {
    failureClass: 'RateLimited',
    rationale: 'Throttled by Sinch or the channel; resend with a longer backoff.',
  },
  RECIPIENT_INVALID_CHANNEL_IDENTITY: {
    failureClass: 'Permanent',
    rationale: 'The number is malformed for SMS; sending it again cannot succeed.',
  },
  RECIPIENT_NOT_REACHABLE: {
    failureClass: 'Permanent',
    rationale:
      'The handset cannot be reached; on SMS this may be a temporary absence, but a code must arrive now, so email beats a delayed resend.',
  },
  RECIPIENT_NOT_OPTED_IN: {
    failureClass: 'Policy',
    rationale: 'The recipient has not opted in on the channel; resending would break the rule again.',
  },
  OUTSIDE_ALLOWED_SENDING_WINDOW: {
    failureClass: 'Policy',
    rationale: "The channel's sending window is closed; not expected on SMS, and a resend would be refused.",
  },
  CHANNEL_FAILURE: {
    failureClass: 'Transient',
    rationale:
      'The channel did not accept the message; Sinch already retried, but a fresh send may get through.',
  },
  CHANNEL_BAD_CONFIGURATION: {
    failureClass: 'Config',
    rationale: "Our app's SMS channel is misconfigured; every resend fails until an operator fixes it.",
  },
  CHANNEL_CONFIGURATION_MISSING: {
    failureClass: 'Config',
    rationale: 'Our app has no SMS channel configured; an operator must fix it.',
  },
  MEDIA_TYPE_UNSUPPORTED: {
    failureClass: 'Config',
    rationale: 'The request referenced media the channel cannot carry; the same request fails again.',
  },
  MEDIA_TOO_LARGE: {
    failureClass: 'Config',
    rationale: 'The request referenced media that is too large; the same request fails again.',
  },
  MEDIA_NOT_REACHABLE: {
    failureClass: 'Config',
    rationale: 'The request referenced media Sinch could not fetch; a problem with what we sent.',
  },
  NO_CHANNELS_LEFT: {
    failureClass: 'Permanent',
    rationale: 'Every channel for the recipient was tried and failed; nothing left to resend on.',
  },
  TEMPLATE_NOT_FOUND: {
    failureClass: 'Config',
    rationale: 'The request named a template that does not exist; a problem with what we sent.',
  },
  TEMPLATE_INSUFFICIENT_PARAMETERS: {
    failureClass: 'Config',
    rationale: 'The request left template parameters out; a problem with what we sent.',
  },
  TEMPLATE_NON_EXISTING_LANGUAGE_OR_VERSION: {
    failureClass: 'Config',
    rationale: 'The request named a template language or version that does not exist.',
  },
  DELIVERY_TIMED_OUT: {
    failureClass: 'Transient',
    rationale: 'The channel gave up waiting for the handset; a resend may reach it now.',
  },
  DELIVERY_REJECTED_DUE_TO_POLICY: {
    failureClass: 'Policy',
    rationale: 'The channel refused the content or sender by policy; resending the same SMS is refused too.',
  },
  CONTACT_NOT_FOUND: {
    failureClass: 'Config',
    rationale:
      'The request named a contact that does not exist; we send by phone number, so this is our bug.',
  },
  BAD_REQUEST: {
    failureClass: 'Config',
    rationale: 'The request failed channel-specific validation; the same payload fails again.',
  },
  UNKNOWN_APP: {
    failureClass: 'Config',
    rationale: 'The Sinch app is missing (for example deleted); an operator must fix it.',
  },
  NO_CHANNEL_IDENTITY_FOR_CONTACT: {
    failureClass: 'Config',
    rationale: 'The contact has no identity for the channel; with a phone-number recipient this is our bug.',
  },
  CHANNEL_REJECT: {
    failureClass: 'Policy',
    rationale: 'The channel rejected the message permanently with no better code; do not resend.',
  },
  NO_PERMISSION: {
    failureClass: 'Config',
    rationale: 'Our credentials lack permission for the action; an operator must fix it.',
  },
  NO_PROFILE_AVAILABLE: {
    failureClass: 'Unknown',
    rationale: 'A profile-lookup code that should not occur on a send; treat as unexplained.',
  },
  UNSUPPORTED_OPERATION: {
    failureClass: 'Config',
    rationale: 'We asked the channel for something it does not support; the same request fails again.',
  },
  INACTIVE_CREDENTIAL: {
    failureClass: 'Config',
    rationale:
      'Name only in the Node SDK; read as deactivated channel credentials, which an operator must fix.',
  },
  MESSAGE_EXPIRED: {
    failureClass: 'Transient',
    rationale:
      "Name only in the Node SDK; read as the message's TTL running out, so a fresh send may arrive.",
  },
  MESSAGE_SPLIT_REQUIRED: {
    failureClass: 'Config',
    rationale:
      'Name only in the Node SDK; read as the text needing more parts than allowed, which we control.',
  },
  DELIVERY_REPORT_TIME_OUT: {
    failureClass: 'Unknown',
    rationale: 'Name only in the Node SDK; delivery was never confirmed either way.',
  },
} as const satisfies Record<string, ReasonPolicy>;

export type KnownReasonCode = keyof typeof REASON_CODE_POLICY;

/** How a sub-code adjusts the class; `undefined` leaves the reason code's class unchanged. */
export interface SubCodePolicy {
  readonly failureClass: FailureClass | undefined;
  readonly rationale: string;
}

/** Every reason sub-code Sinch documents. A sub-code with a class overrides the reason code's class. */
export const SUB_CODE_POLICY = {
  UNSPECIFIED_SUB_CODE: {
    failureClass: undefined,
    rationale: 'Adds nothing; the reason code decides.',
  },
  ATTACHMENT_REJECTED: {
    failureClass: 'Policy',
    rationale: 'The channel refused an attachment by policy; the same message is refused again.',
  },
  MEDIA_TYPE_UNDETERMINED: {
    failureClass: 'Config',
    rationale: 'Sinch could not tell the media type of a URL we sent; a problem with what we sent.',
  },
  INACTIVE_SENDER: {
    failureClass: 'Config',
    rationale: 'The channel credentials are deactivated; every send fails until an operator acts.',
  },
} as const satisfies Record<string, SubCodePolicy>;

export type KnownSubCode = keyof typeof SUB_CODE_POLICY;

/** The reason fields the classifier reads; both may be absent on a malformed or minimal report. */
export interface ReasonInput {
  readonly code?: string;
  readonly subCode?: string;
}

/** The class of a failure and which rule decided it, for logs and the attempt record. */
export interface Classification {
  readonly failureClass: FailureClass;
  /** `sub_code` and `reason_code` name the table entry used; `unlisted` means no entry matched. */
  readonly decidedBy: 'sub_code' | 'reason_code' | 'unlisted';
  readonly rationale: string;
}

const UNLISTED: Classification = {
  failureClass: 'Unknown',
  decidedBy: 'unlisted',
  rationale: 'No policy entry for this reason; Sinch enums are open, so unlisted values are Unknown.',
};

function lookup<T>(table: Record<string, T>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * Classifies a failed attempt's reason. A sub-code with a class wins over the code; an unlisted code
 * (or no reason at all) is `Unknown`, which the workflow resends at most while attempts remain.
 *
 * @example
 * classifyReason({ code: 'RATE_LIMITED' }).failureClass; // 'RateLimited'
 * classifyReason({ code: 'CHANNEL_FAILURE', subCode: 'INACTIVE_SENDER' }).failureClass; // 'Config'
 * classifyReason({ code: 'SOMETHING_NEW' }).failureClass; // 'Unknown'
 */
export function classifyReason(reason: ReasonInput | undefined): Classification {
  const subCode = lookup<SubCodePolicy>(SUB_CODE_POLICY, reason?.subCode);
  if (subCode?.failureClass !== undefined) {
    return { failureClass: subCode.failureClass, decidedBy: 'sub_code', rationale: subCode.rationale };
  }
  const code = lookup<ReasonPolicy>(REASON_CODE_POLICY, reason?.code);
  if (code !== undefined) {
    return { failureClass: code.failureClass, decidedBy: 'reason_code', rationale: code.rationale };
  }
  return UNLISTED;
}
