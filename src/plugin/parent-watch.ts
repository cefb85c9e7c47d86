/**
 * Dying with the parent. A server started by a process that is gone (a killed Jaeger that ran it
 * as a go-plugin sidecar, an `npx` or shell wrapper stopped with SIGTERM or -9) would keep its
 * port, its database file and its memory with nobody to stop it: it stops itself instead, by the
 * same clean path as SIGTERM (stop accepting, flush, close the store).
 *
 * Linux offers no parent-death event to Node (prctl PR_SET_PDEATHSIG needs native code), so the
 * parent id is polled: when the parent dies the kernel re-parents the process (to PID 1 or to a
 * subreaper), and getppid() changes. A process whose parent is PID 1 from the start was started
 * by the init system itself and is left alone; a supervisor (systemd, supervisord) that stays
 * never changes the parent id, so its child keeps running.
 */

/** Poll period, ms: a dead parent is noticed within this, leaving most of go-plugin's 2 s for the flush. */
export const PARENT_POLL_MS = 250;

export interface ParentWatch {
  stop(): void;
}

export interface ParentWatchOptions {
  /** The current parent process id (process.ppid reads it afresh from the kernel on every access). */
  parentId(): number;
  /** Called once, when the parent that was there at the start is gone. */
  onOrphaned(detail: { parent: number; now: number }): void;
  intervalMs?: number;
}

/** Watches the parent; undefined when there is nothing to watch (started by init, PID 1). */
export function watchParent(options: ParentWatchOptions): ParentWatch | undefined {
  const parent = options.parentId();
  if (parent <= 1) return undefined;
  const timer = setInterval(() => {
    const now = options.parentId();
    if (now === parent) return;
    clearInterval(timer);
    options.onOrphaned({ parent, now });
  }, options.intervalMs ?? PARENT_POLL_MS);
  // Never the reason the process stays alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
