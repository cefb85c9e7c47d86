/**
 * Critical path — how much of a trace's end-to-end time each span is responsible for.
 *
 * Walking back from the root's end: the child that finished last (before the cursor) is on the
 * path; the time between its end and the cursor is the parent's own; the walk recurses into that
 * child (clipped to the parent and the cursor), then continues before the child's start. Children
 * outliving their parent (clock skew, async work) are clipped to it. The per-span values of a tree
 * sum to the root's duration.
 *
 * Reference: Jaeger UI critical path (`packages/jaeger-ui/src/components/TracePage/CriticalPath`,
 * "computeCriticalPath"), after Uber's CRISP (USENIX ATC'22).
 */
import { AnalysisInputError } from '../model/index.js';
import type { TraceSummary } from './span-tree.js';

/** µs of each span's own time on the critical path of its root's tree (0 off the path). */
export function criticalPathTimes(trace: TraceSummary): Float64Array {
  const n = trace.key.length;
  if (n === 0) throw new AnalysisInputError('analysis/critical-path: empty trace summary');
  if (trace.root < 0 || trace.root >= n) throw new AnalysisInputError(`analysis/critical-path: root index ${trace.root} out of range`);
  const own = new Float64Array(n);
  const { start, spanDuration, childStart, childList } = trace;
  // Children of each span ordered by end time, latest first (insertion sort per group; groups are small).
  const byEnd = Int32Array.from(childList);
  for (let p = 0; p < n; p++) {
    const a = childStart[p];
    const b = childStart[p + 1];
    for (let i = a + 1; i < b; i++) {
      const c = byEnd[i];
      const end = start[c] + spanDuration[c];
      let j = i - 1;
      while (j >= a && start[byEnd[j]] + spanDuration[byEnd[j]] < end) {
        byEnd[j + 1] = byEnd[j];
        j--;
      }
      byEnd[j + 1] = c;
    }
  }
  // Explicit stack of frames (span, window start, cursor, next child position), as parallel arrays.
  const spanAt = new Int32Array(n);
  const loAt = new Float64Array(n);
  const cursorAt = new Float64Array(n);
  const nextAt = new Int32Array(n);
  let top = 0;
  const r = trace.root;
  spanAt[0] = r;
  loAt[0] = start[r];
  cursorAt[0] = start[r] + spanDuration[r];
  nextAt[0] = childStart[r];
  while (top >= 0) {
    const span = spanAt[top];
    const lo = loAt[top];
    let descended = false;
    while (nextAt[top] < childStart[span + 1]) {
      const c = byEnd[nextAt[top]++];
      const cursor = cursorAt[top];
      const cs = Math.max(start[c], lo);
      const ce = Math.min(start[c] + spanDuration[c], cursor);
      if (ce <= cs || start[c] >= cursor) continue;
      own[span] += cursor - ce;
      cursorAt[top] = cs;
      top++;
      spanAt[top] = c;
      loAt[top] = cs;
      cursorAt[top] = ce;
      nextAt[top] = childStart[c];
      descended = true;
      break;
    }
    if (descended) continue;
    own[span] += Math.max(0, cursorAt[top] - lo);
    top--;
  }
  return own;
}
