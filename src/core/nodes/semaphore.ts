// A node's maxParallel slots. Requests beyond the limit wait their turn here instead of being sent
// to Ollama, which would queue them itself where we could neither see (for the balancer and the
// dashboard) nor cancel them.

/** Abort while waiting: the same error name fetch uses, so callers handle both alike. */
function abortError(): Error {
  const err = new Error('The operation was aborted while waiting for a free slot.');
  err.name = 'AbortError';
  return err;
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Semaphore limit must be an integer >= 1, got ${limit}`);
  return limit;
}

interface Waiter {
  grant: (release: () => void) => void;
}

/**
 * A counting semaphore with a FIFO queue (first come, first served, so nobody starves). `acquire`
 * resolves with a release function; calling it more than once is harmless, so `finally` blocks and
 * error paths can both release without double-counting. A waiter whose signal aborts leaves the queue
 * and its promise rejects with an AbortError.
 */
export class Semaphore {
  private running = 0;
  private limit: number;
  private readonly queue: Waiter[] = [];

  constructor(limit: number) {
    this.limit = checkLimit(limit);
  }

  /** Slots in use. */
  get active(): number {
    return this.running;
  }

  /** Requests queued for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortError());
    if (this.running < this.limit && this.queue.length === 0) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(abortError());
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /**
   * Changes the number of slots (the node's maxParallel was edited). Raising it starts waiters at once;
   * lowering it lets running requests finish and holds new ones until the count is under the new limit.
   */
  setLimit(limit: number): void {
    this.limit = checkLimit(limit);
    this.drain();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.drain();
    };
  }

  private drain(): void {
    while (this.running < this.limit && this.queue.length > 0) {
      this.running++;
      this.queue.shift()!.grant(this.releaser());
    }
  }
}
