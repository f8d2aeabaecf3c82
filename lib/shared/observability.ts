import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The logger and metrics of one Lambda container, created by a handler's `liveDeps` (once per container,
 * from its one-line entry point in `functions/`), never at import. Powertools reads its own settings
 * (`POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_LOG_LEVEL`, `POWERTOOLS_METRICS_NAMESPACE`) from the environment
 * when they are created. Handlers receive them through their deps, so tests pass silent or capturing ones.
 */
export function createLogger(): Logger {
  return new Logger();
}

/** See {@link createLogger}. */
export function createMetrics(): Metrics {
  return new Metrics();
}

export type AppLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error' | 'appendKeys' | 'resetKeys'>;
