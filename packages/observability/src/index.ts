export { createLogger, type Logger, type LoggerOptions, maskSecretsInText, REDACT_PATHS } from './logger.js';
export { Counter, createMetricsRegistry, Gauge, Histogram, Registry } from './metrics.js';
