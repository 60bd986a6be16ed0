import { afterEach, describe, expect, it } from '@jest/globals';
import { createLogger } from './logger.js';
import { installProcessGuards } from './process-guards.js';

const logger = createLogger({ name: 'guards-test', level: 'silent' });

class StoreDown extends Error {
  readonly code = 'ECONNREFUSED';
}

describe('installProcessGuards', () => {
  let remove: (() => void) | undefined;
  afterEach(() => remove?.());

  it('keeps running on a transient error that escaped, and exits on anything else', () => {
    const exits: number[] = [];
    remove = installProcessGuards(logger, {
      isTransient: (err) => err instanceof StoreDown,
      exit: (code) => exits.push(code),
    });
    process.emit('uncaughtException', new StoreDown('connect ECONNREFUSED'), 'uncaughtException');
    expect(exits).toEqual([]);
    process.emit('uncaughtException', new TypeError('a bug'), 'uncaughtException');
    expect(exits).toEqual([1]);
  });

  it('removes its handlers', () => {
    const before = process.listenerCount('uncaughtException');
    const off = installProcessGuards(logger, { isTransient: () => false, exit: () => undefined });
    expect(process.listenerCount('uncaughtException')).toBe(before + 1);
    off();
    expect(process.listenerCount('uncaughtException')).toBe(before);
  });
});
