import type { SSMClient, SSMClientConfig } from '@aws-sdk/client-ssm';
import type { MiddlewareObj, Request } from '@middy/core';
import ssm, { type SSMOptions } from '@middy/ssm';
import { sanitizeKey } from '@middy/util';
import type { Context } from 'aws-lambda';
import { ssmClientClass } from '../aws-clients';

/** How `@middy/ssm` builds its SSM client: the class (tests pass a mocked one) and its options. */
export interface SsmClientSettings {
  readonly AwsClient?: typeof SSMClient;
  readonly awsClientOptions?: SSMClientConfig;
  /** Overrides the parameter's own cache lifetime (tests use a short one). */
  readonly cacheExpiryMs?: number;
}

/** One SSM parameter a handler reads, declared next to the parser of its value. */
export interface SsmParameterSpec<T> {
  /** The parameter's name in SSM, e.g. `/receipt-driven-sms/prod/sinch-webhook-secrets`. */
  readonly name: string;
  /**
   * How long a read value is served before it is read again, in milliseconds; `-1` keeps it for the
   * container's lifetime. A failed read is never cached.
   */
  readonly cacheExpiryMs: number;
  /** Turns the raw value into what the handler uses; throws `ConfigError` when the value is unusable. */
  readonly parse: (value: unknown) => T;
}

/** What a handler gets for one parameter: the middleware to register and a typed reader of the value. */
export interface SsmParameter<T> {
  readonly middleware: MiddlewareObj<unknown, unknown, Error, Context>[];
  /** The parsed value for this invocation; call it from the handler body, after the middleware ran. */
  value(context: Context): T;
}

/**
 * Reads one SSM parameter for a Middy handler: `@middy/ssm` fetches and caches the raw value (decrypted),
 * then the spec's `parse` turns it into a typed value, parsed again only when the raw value changed.
 *
 * The value is read inside the first invocation, never at init (`disablePrefetch`): a failed read is then
 * an ordinary error of that invocation (a logged 500, a task error the workflow retries) instead of an
 * unhandled rejection that crashes the container during cold start.
 *
 * @example
 * const secrets = ssmParameter({ name: config.webhookSecretsParam, cacheExpiryMs: 300_000, parse: parseSecrets }, deps.ssm);
 * middy().use(secrets.middleware).handler(async (event, context) => verify(event, secrets.value(context)));
 */
export function ssmParameter<T>(spec: SsmParameterSpec<T>, client: SsmClientSettings = {}): SsmParameter<T> {
  // `@middy/ssm` caches the fetched object per cache key and copies its keys onto the context, sanitised.
  // The key is derived from the parameter's name, so every handler reading that parameter finds its value
  // under the same key in the shared cache.
  const contextKey = sanitizeKey(`ssm_${spec.name}`);
  const options: SSMOptions = {
    AwsClient: client.AwsClient ?? ssmClientClass(),
    awsClientOptions: client.awsClientOptions ?? {},
    fetchData: { [contextKey]: spec.name },
    cacheKey: `ssm:${spec.name}`,
    cacheExpiry: client.cacheExpiryMs ?? spec.cacheExpiryMs,
    disablePrefetch: true,
    setToContext: true,
  };

  let lastRaw: unknown;
  let lastParsed: { readonly value: T } | undefined;
  const parseOnce = (raw: unknown): T => {
    if (lastParsed === undefined || raw !== lastRaw) {
      const value = spec.parse(raw);
      lastRaw = raw;
      lastParsed = { value };
    }
    return lastParsed.value;
  };

  // Parsing runs as its own `before` step, right after the read: an unusable value fails the invocation
  // before the handler body does any work.
  const parseSsmParameterBefore = (request: Request<unknown, unknown, Error, Context>): void => {
    parseOnce((request.context as unknown as Record<string, unknown>)[contextKey]);
  };

  return {
    middleware: [
      ssm(options) as MiddlewareObj<unknown, unknown, Error, Context>,
      { before: parseSsmParameterBefore },
    ],
    value: (context) => parseOnce((context as unknown as Record<string, unknown>)[contextKey]),
  };
}
