import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { createLogger } from './logger.js';
import { installProcessGuards } from './process-guards.js';

const logger = createLogger({ name: 'guards-test', level: 'silent' });

class StoreDown extends Error {
  readonly code = 'ECONNREFUSED';
}

describe('installProcessGuards', () => {
  it('keeps running on a transient error that escaped, and exits on anything else', () => {
    const target = new EventEmitter();
    const exits: number[] = [];
    installProcessGuards(logger, {
      isTransient: (err) => err instanceof StoreDown,
      exit: (code) => exits.push(code),
      target,
    });
    target.emit('uncaughtException', new StoreDown('connect ECONNREFUSED'), 'uncaughtException');
    target.emit('unhandledRejection', new TypeError('a bug in a promise'));
    expect(exits).toEqual([]);
    target.emit('uncaughtException', new TypeError('a bug'), 'uncaughtException');
    expect(exits).toEqual([1]);
  });

  it('removes its handlers', () => {
    const target = new EventEmitter();
    const off = installProcessGuards(logger, { isTransient: () => false, exit: () => undefined, target });
    expect(target.listenerCount('uncaughtException')).toBe(1);
    off();
    expect(target.listenerCount('uncaughtException')).toBe(0);
  });
});
