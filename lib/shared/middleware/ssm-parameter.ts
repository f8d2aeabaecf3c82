import type { SSMClient, SSMClientConfig } from '@aws-sdk/client-ssm';
import type { MiddlewareObj, Request } from '@middy/core';
import { processCache } from '@middy/util';
import type { Context } from 'aws-lambda';
import { ssmClientClass } from '../aws-clients';
import { createSsmParameterReader, type SsmParameterReader } from './ssm-parameter-reader';
import { recordRefreshFailure, type SsmParameterTelemetry } from './ssm-parameter-telemetry';

export type { SsmParameterTelemetry } from './ssm-parameter-telemetry';

/** How the SSM client is built (the class, which tests mock, and its options), and the cache's clock. */
export interface SsmClientSettings {
  readonly AwsClient?: typeof SSMClient;
  readonly awsClientOptions?: SSMClientConfig;
  /** Overrides the parameter's own cache lifetime (tests use a short one). */
  readonly cacheExpiryMs?: number;
  /** Epoch milliseconds, `Date.now` by default; tests pass their own clock to step past a lifetime. */
  readonly now?: () => number;
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
  /**
   * Turns the stored text (as SSM holds it, decrypted) into what the handler uses; throws `ConfigError`
   * when the value is unusable.
   */
  readonly parse: (value: unknown) => T;
}

/** What a handler gets for one parameter: the middleware to register and a typed reader of the value. */
export interface SsmParameter<T> {
  readonly middleware: MiddlewareObj<unknown, unknown, Error, Context>[];
  /** The parsed value for this invocation; call it from the handler body, after the middleware ran. */
  value(context: Context): T;
}

/** The first retry after a failed refresh; each further failure doubles it, up to the maximum. */
export const REFRESH_RETRY_BASE_MS = 5_000;
export const REFRESH_RETRY_MAX_MS = 60_000;

/** One parameter's read state in this container, shared by every handler that declares the parameter. */
interface CachedRead {
  /** The last value read; undefined until a first read succeeded. */
  value?: string;
  readAt: number;
  /** After a failed refresh: the next one is not tried before this. */
  retryAt: number;
  /** Failed refreshes in a row, for the back-off. */
  failures: number;
  /** The read in flight, shared by concurrent invocations. */
  pending?: Promise<string>;
}

/**
 * The read state of one parameter. It lives in `@middy/util`'s process cache, where `@middy/ssm` kept its
 * values, stored once with no expiry (that cache's own expiry is what ran the refresh timer): so every
 * handler reading the parameter shares it, and `clearCache()` resets it as it resets every Middy cache.
 */
function cachedRead(name: string): CachedRead {
  const fresh = (): CachedRead => ({ readAt: 0, retryAt: 0, failures: 0 });
  return processCache({ cacheKey: `ssm:${name}`, cacheExpiry: -1 }, fresh).value as CachedRead;
}

/**
 * Reads one SSM parameter for a Middy handler, decrypted, caches it for the container and re-reads it
 * once `cacheExpiryMs` has passed; the spec's `parse` turns it into a typed value, parsed again only when
 * the stored text changed.
 *
 * - **The first read happens inside the first invocation**, never at init, and a failure there fails the
 *   invocation (a logged 500, a task error the workflow retries); nothing is cached, so the next
 *   invocation reads again.
 * - **A re-read that fails does not fail the invocation.** It serves the value it already had, logs a
 *   warning naming the parameter (never the value), counts `SsmRefreshFailures`, and tries again on an
 *   invocation after a back-off (5 s, doubling, at most 60 s). A re-read whose value does not parse is
 *   treated the same way: the last usable value stays in service.
 * - **Nothing runs between invocations.** The re-read is part of the invocation that finds the value
 *   expired, never a timer: `@middy/ssm` refreshed on a timer, and a failed background read was an
 *   unhandled rejection, which on Lambda fails whichever invocation is running. A rotated value therefore
 *   reaches a container on its first invocation after the lifetime, never later.
 *
 * @example
 * const secrets = ssmParameter(
 *   { name: config.webhookSecretsParam, cacheExpiryMs: 300_000, parse: parseSecrets },
 *   deps.ssm,
 *   deps, // its logger and metrics
 * );
 * middy().use(secrets.middleware).handler(async (event, context) => verify(event, secrets.value(context)));
 */
export function ssmParameter<T>(
  spec: SsmParameterSpec<T>,
  client: SsmClientSettings,
  telemetry: SsmParameterTelemetry,
): SsmParameter<T> {
  const clock = client.now ?? Date.now;
  const expiryMs = client.cacheExpiryMs ?? spec.cacheExpiryMs;
  let reader: SsmParameterReader | undefined;

  const read = (entry: CachedRead, now: number): Promise<string> => {
    reader ??= createSsmParameterReader(client.AwsClient ?? ssmClientClass(), client.awsClientOptions ?? {});
    entry.pending ??= reader
      .read(spec.name)
      .then(
        (value) => {
          Object.assign(entry, { value, readAt: now, retryAt: 0, failures: 0 });
          return value;
        },
        (error: unknown) => {
          // Nothing to fall back on: the invocation fails, and the next one reads again.
          if (entry.value === undefined) throw error;
          entry.failures += 1;
          const retryInMs = Math.min(REFRESH_RETRY_BASE_MS * 2 ** (entry.failures - 1), REFRESH_RETRY_MAX_MS);
          entry.retryAt = now + retryInMs;
          recordRefreshFailure(spec.name, { error, retryInMs }, telemetry);
          return entry.value;
        },
      )
      .finally(() => {
        entry.pending = undefined;
      });
    return entry.pending;
  };

  const currentValue = (): Promise<string> => {
    const entry = cachedRead(spec.name);
    const now = clock();
    if (entry.value === undefined) return read(entry, now);
    const due = expiryMs >= 0 && now >= Math.max(entry.readAt + expiryMs, entry.retryAt);
    return due ? read(entry, now) : Promise.resolve(entry.value);
  };

  let parsedFrom: string | undefined;
  let parsed: { readonly value: T } | undefined;
  let refusedFrom: string | undefined;
  const parseOnce = (raw: string): T => {
    if (parsed !== undefined && (raw === parsedFrom || raw === refusedFrom)) return parsed.value;
    try {
      parsed = { value: spec.parse(raw) };
      parsedFrom = raw;
      refusedFrom = undefined;
    } catch (error) {
      if (parsed === undefined) throw error;
      // A re-read brought a value that does not parse (a mistake while editing it): keep the usable one.
      refusedFrom = raw;
      recordRefreshFailure(spec.name, { error }, telemetry);
    }
    return parsed.value;
  };

  const values = new WeakMap<Context, T>();
  // Read and parse before the handler body: an unusable first value fails the invocation before any work.
  const readSsmParameterBefore = async (request: Request<unknown, unknown, Error, Context>) => {
    const raw = await currentValue();
    try {
      values.set(request.context, parseOnce(raw));
    } catch (error) {
      // Never cache an unusable value nothing better stands in for: once it is fixed in SSM, the next
      // invocation reads the fix instead of waiting for the lifetime (for ever, at -1).
      const entry = cachedRead(spec.name);
      if (entry.value === raw) entry.value = undefined;
      throw error;
    }
  };

  return {
    middleware: [{ before: readSsmParameterBefore }],
    value(context) {
      if (!values.has(context)) {
        throw new Error(`SSM parameter ${spec.name} read before its middleware ran`);
      }
      return values.get(context) as T;
    },
  };
}
