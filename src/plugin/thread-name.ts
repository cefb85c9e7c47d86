import { writeFileSync } from 'node:fs';

/**
 * Names the calling thread in `top -H`, `ps -L` and /proc (Linux keeps at most 15 bytes). Elsewhere,
 * or when not permitted, the thread keeps the process's name.
 */
export function nameThisThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name);
  } catch {
    // No /proc, or not permitted.
  }
}
