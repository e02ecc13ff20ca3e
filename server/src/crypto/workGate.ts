/** A job waited longer than the gate allows; the caller should answer 429 and let the client retry. */
export class GateBusyError extends Error {
  constructor() {
    super('Too much work is waiting');
    this.name = 'GateBusyError';
  }
}

interface Waiter {
  start(): void;
  timer: NodeJS.Timeout;
}

/**
 * Caps how many jobs run at once; the rest wait in arrival order for at most `maxWaitMs`, then
 * fail with {@link GateBusyError} without running. For password hashing: scrypt runs on libuv's
 * thread pool (4 threads by default), which file I/O and `dns.lookup` share, so unbounded a login
 * flood holds every thread and each hash waits behind all the others.
 */
export class WorkGate {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  /** `concurrency` jobs at once; a job waits at most `maxWaitMs` for its turn. */
  constructor(
    readonly concurrency: number,
    readonly maxWaitMs: number,
  ) {}

  /** Runs `job` when a slot is free; throws {@link GateBusyError} if none frees up in time. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await job();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new GateBusyError());
        }, this.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `running` stays.
    if (next) next.start();
    else this.running -= 1;
  }
}
