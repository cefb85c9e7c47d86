export * from './errors.js';
export * from './ids.js';
export * from './span.js';
export * from './query.js';
export * from './validate.js';
export * from './otel.js';
export * from './trace-summary.js';
