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

export const DEFAULTS = {};

/** µs of each span's own time on the critical path of its root's tree (0 off the path). */
export function criticalPathTimes(trace: TraceSummary): Float64Array {
  const n = trace.key.length;
  if (n === 0) throw new AnalysisInputError('analysis/critical-path: empty trace summary');
  if (trace.root < 0 || trace.root >= n) throw new AnalysisInputError(`analysis/critical-path: root index ${trace.root} out of range`);
  const own = new Float64Array(n);
  const { start, spanDuration, childStart, childList } = trace;
  const byEndDesc = (a: number, b: number) => start[b] + spanDuration[b] - (start[a] + spanDuration[a]);

  // Explicit stack of (span, window start, window end) frames; a frame resumes at its cursor.
  interface Frame {
    span: number;
    lo: number;
    cursor: number;
    children: number[];
    next: number;
  }
  const open = (span: number, lo: number, hi: number): Frame => {
    const kids = Array.from(childList.subarray(childStart[span], childStart[span + 1])).sort(byEndDesc);
    return { span, lo, cursor: hi, children: kids, next: 0 };
  };
  const r = trace.root;
  const stack: Frame[] = [open(r, start[r], start[r] + spanDuration[r])];
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    let descended = false;
    while (f.next < f.children.length) {
      const c = f.children[f.next++];
      const cs = Math.max(start[c], f.lo);
      const ce = Math.min(start[c] + spanDuration[c], f.cursor);
      if (ce <= cs || start[c] >= f.cursor) continue;
      own[f.span] += f.cursor - ce;
      f.cursor = cs;
      stack.push(open(c, cs, ce));
      descended = true;
      break;
    }
    if (descended) continue;
    own[f.span] += Math.max(0, f.cursor - f.lo);
    stack.pop();
  }
  return own;
}
