export * from './entities.js';
export * from './events.js';
export * from './ids.js';
export * from './jobs.js';
export * from './money.js';
export * from './sync.js';
