import { signRequest, type SigningCredentials } from './sigv4';

/**
 * Calls the send API's Function URL the way a product service does: a JSON `DeliveryRequest`, signed with
 * SigV4 for the `lambda` service.
 */
export interface SendApiResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function postDelivery(
  url: string,
  request: unknown,
  options: { region: string; credentials: SigningCredentials },
): Promise<SendApiResponse> {
  const body = JSON.stringify(request);
  const headers = signRequest(
    { method: 'POST', url, headers: { 'content-type': 'application/json' }, body },
    { region: options.region, service: 'lambda', credentials: options.credentials },
  );
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { raw: text };
  }
  return { status: response.status, body: parsed };
}
