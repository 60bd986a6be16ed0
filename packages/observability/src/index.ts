export { createLogger, type Logger, type LoggerOptions, maskSecretsInText, REDACT_PATHS } from './logger.js';
export { Counter, createMetricsRegistry, Gauge, Histogram, Registry } from './metrics.js';
export { installProcessGuards, type ProcessGuardOptions } from './process-guards.js';
export { type CheckState, checkReadiness, type Readiness } from './readiness.js';
