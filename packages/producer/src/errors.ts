/** publish or sweep called after close(). */
export class ProducerClosedError extends Error {
  readonly code = 'PRODUCER_CLOSED';
  constructor() {
    super('producer is closed');
    this.name = 'ProducerClosedError';
  }
}

/** Queueing did not finish in time; the event is stored and the sweep will queue it. */
export class EnqueueTimeoutError extends Error {
  readonly code = 'ENQUEUE_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`enqueue did not finish within ${timeoutMs} ms`);
    this.name = 'EnqueueTimeoutError';
  }
}
