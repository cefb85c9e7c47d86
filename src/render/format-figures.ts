/** Human-readable figures shared by the text renderers. */

/** µs as "850µs", "12.3ms", "1.25s"; "-" when unknown. */
export function formatDurationUs(us: number | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return '-';
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${trim(us / 1000)}ms`;
  return `${trim(us / 1_000_000)}s`;
}

/** A fraction as "1.2%"; "-" when unknown. */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '-';
  const p = fraction * 100;
  return `${p === 0 ? '0' : p < 0.1 ? '<0.1' : trim(p)}%`;
}

/** 1234567 as "1,234,567". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Per-second rate with 2 significant decimals; "-" when unknown. */
export function formatRate(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '-';
  return r >= 100 ? String(Math.round(r)) : r >= 1 ? r.toFixed(1) : r.toFixed(3);
}

function trim(x: number): string {
  return x >= 100 ? String(Math.round(x)) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** ×152, ×1.14, ×0.87: two decimals below 10, whole numbers from 10 on. */
export function formatRatio(r: number): string {
  return r >= 10 ? Math.round(r).toLocaleString('en-US') : r.toFixed(2);
}
