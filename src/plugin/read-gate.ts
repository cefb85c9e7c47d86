import { ResourceExhaustedError } from '../model/index.js';

/**
 * At most `running` reads at once; the next `waiting` wait in arrival order for at most `maxWaitMs`
 * each; any read beyond that is refused at once with ResourceExhaustedError (gRPC
 * RESOURCE_EXHAUSTED), so a burst of reads costs a queue entry each, not memory or CPU.
 */
export class ReadGate {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly running: number,
    readonly waiting: number,
    readonly maxWaitMs: number,
  ) {}

  get runningNow(): number {
    return this.active;
  }

  get waitingNow(): number {
    return this.queue.length;
  }

  /**
   * Resolves with the release function once the read may run. `abandoned` resolves when the caller
   * has gone (cancelled call): a waiting read then leaves the queue and this rejects.
   */
  acquire(abandoned: Promise<unknown>): Promise<() => void> {
    if (this.active < this.running) return Promise.resolve(this.grant());
    if (this.queue.length >= this.waiting) {
      return Promise.reject(new ResourceExhaustedError(`too many concurrent reads: ${this.running} running and ${this.waiting} waiting (--max-concurrent-reads)`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(timer);
          resolve(this.grant());
        },
      };
      const leave = (error: Error) => {
        const at = this.queue.indexOf(waiter);
        if (at < 0) return;
        this.queue.splice(at, 1);
        clearTimeout(timer);
        reject(error);
      };
      const timer = setTimeout(
        () => leave(new ResourceExhaustedError(`read waited ${this.maxWaitMs} ms for one of ${this.running} read slots (--max-concurrent-reads)`)),
        this.maxWaitMs,
      );
      void abandoned.then(() => leave(new ResourceExhaustedError('read abandoned while waiting')));
      this.queue.push(waiter);
    });
  }

  private grant(): () => void {
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.queue.shift()?.start();
    };
  }
}

interface Waiter {
  start(): void;
}
