// Last line of defence of a long-running process. An error that escapes every await (a driver's timer
// callback, an event emitter without a listener) normally kills the process, and with it every job in
// flight. Errors the caller recognises as transient (a store going away) are logged and the process carries
// on; anything else is a bug: logged as fatal and the process exits, to be restarted clean.
import type { Logger } from './logger.js';

export interface ProcessGuardOptions {
  /** Errors that may escape while a store is down and leave the process sound. */
  isTransient: (err: unknown) => boolean;
  /** Called for a fatal error after it is logged; default process.exit(1). */
  exit?: (code: number) => void;
  /** Where the handlers go; default `process` (tests pass an EventEmitter). */
  target?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

/** Installs uncaughtException and unhandledRejection handlers; returns a function that removes them. */
export function installProcessGuards(logger: Logger, opts: ProcessGuardOptions): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const onException = (err: unknown, origin: string) => {
    if (opts.isTransient(err)) {
      logger.warn({ err, origin }, 'a store connection error escaped its caller; carrying on');
      return;
    }
    logger.fatal({ err, origin }, 'uncaught exception; exiting');
    exit(1);
  };
  const onRejection = (err: unknown) => {
    if (opts.isTransient(err)) logger.warn({ err }, 'unhandled rejection from a store connection error');
    else logger.error({ err }, 'unhandled rejection');
  };
  const target = opts.target ?? process;
  target.on('uncaughtException', onException);
  target.on('unhandledRejection', onRejection);
  return () => {
    target.off('uncaughtException', onException);
    target.off('unhandledRejection', onRejection);
  };
}
