/**
 * How graphs colour a node or an edge by its error *rate* (HTML, DOT, the same thresholds), so a
 * rare failure does not paint the graph red and the failing part stands out:
 * below 1 % normal; 1 % to 5 % raised; 5 % and more failing.
 * 1 %: the error budget of a 99 % availability objective, the loosest one commonly set for a
 * service; a call path above it is spending budget. 5 %: five times that budget, one failed call in
 * twenty — a user retrying would notice.
 */
export const ERROR_RATE_RAISED = 0.01;
export const ERROR_RATE_FAILING = 0.05;

export type ErrorLevel = 'ok' | 'raised' | 'failing';

export const ERROR_LEVEL_COLOR: Record<ErrorLevel, string> = { ok: '#8796a8', raised: '#e8870e', failing: '#d62728' };

export function errorLevel(rate: number | null | undefined): ErrorLevel {
  if (rate === null || rate === undefined || !(rate >= ERROR_RATE_RAISED)) return 'ok';
  return rate >= ERROR_RATE_FAILING ? 'failing' : 'raised';
}

/** The legend text every graph prints. */
export const ERROR_LEVEL_LEGEND = `error rate: grey < ${ERROR_RATE_RAISED * 100}%, orange ${ERROR_RATE_RAISED * 100}–${ERROR_RATE_FAILING * 100}%, red ≥ ${ERROR_RATE_FAILING * 100}%`;
