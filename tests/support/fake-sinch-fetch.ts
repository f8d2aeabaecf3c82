/**
 * A `fetch` that answers like Sinch's token service and `messages:send`, so the real `lib/sinch-client`
 * (token cache, error mapping and all) runs in workflow tests without a server. `messages:send` answers
 * follow a script; once the script is used up every send is accepted.
 *
 * @example
 * const sinch = fakeSinchFetch([{ status: 503 }]); // first send: 503, then accepted
 * createSinchClient({ …, transport: sinch.fetch });
 * sinch.accepted; // the messages Sinch took
 */
export interface SinchAnswer {
  readonly status: number;
  readonly body?: unknown;
}

export interface SentSms {
  readonly to: string;
  readonly text: string;
  readonly metadata: string;
  readonly ttl: string;
  readonly messageId: string;
}

export interface FakeSinchFetch {
  readonly fetch: typeof fetch;
  /** Sends Sinch accepted (HTTP 200), in order. */
  readonly accepted: SentSms[];
  /** Every `messages:send` request, accepted or not. */
  readonly sendRequests: number;
}

interface SendBody {
  recipient: { identified_by: { channel_identities: { identity: string }[] } };
  message: { text_message: { text: string } };
  message_metadata: string;
  ttl: string;
}

export function fakeSinchFetch(script: SinchAnswer[] = []): FakeSinchFetch {
  const answers = [...script];
  const accepted: SentSms[] = [];
  let sendRequests = 0;

  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (url.endsWith('/oauth2/token')) return json(200, { access_token: 'tok', expires_in: 3600 });
    if (url.endsWith('/messages:send')) {
      sendRequests += 1;
      const answer = answers.shift();
      if (answer && answer.status !== 200) return json(answer.status, answer.body ?? {});
      const body = JSON.parse(String(init?.body)) as SendBody;
      const messageId = `msg-${accepted.length + 1}`;
      accepted.push({
        to: body.recipient.identified_by.channel_identities[0]!.identity,
        text: body.message.text_message.text,
        metadata: body.message_metadata,
        ttl: body.ttl,
        messageId,
      });
      return json(200, { message_id: messageId, accepted_time: new Date().toISOString() });
    }
    return json(404, {});
  };

  return {
    fetch: fetchImpl as typeof fetch,
    accepted,
    get sendRequests() {
      return sendRequests;
    },
  };
}
