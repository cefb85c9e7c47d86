/**
 * Span tree and self-time — turns one trace into a compact per-span summary: parent index, depth,
 * duration, self-time, client–server gap, error flag, instance.
 *
 * Self-time is the span's duration minus the union of its children's intervals clipped to the
 * span, so overlapping (parallel) children are counted once and a child that outlives its parent
 * (clock skew, async work) only removes the part inside the parent; it is never negative.
 * The client–server gap (network and queueing time) is a client span's duration minus the union of
 * its server children's durations, floored at 0 and attributed to the server (callee) spans; a
 * client span whose children are all server spans then has no self-time of its own (its uncovered
 * time is that gap, counted once, on the callee). Spans without `span.kind` get client/server roles
 * by span-kind-inference.ts.
 * Missing parents make a span a root; parent cycles are broken; exact duplicate spans are dropped;
 * a Zipkin-style server span sharing its client's span id becomes that client's child.
 *
 * Reference: jaeger-analytics-java network latency (client − server duration); Jaeger UI
 * `getTraceSpanIdsAsTree` and self-time in the trace statistics view.
 */
import type { Process, Span, Trace } from '../model/index.js';
import { AnalysisInputError, findTag, parentSpanId } from '../model/index.js';
import type { OperationKeys } from './operation-keys.js';
import type { SpanFacts } from '../facts/dependency-spans.js';
import { spanFacts } from '../facts/dependency-spans.js';
import { inferSpanKinds } from './span-kind-inference.js';

/** Compact per-trace data; arrays are indexed by span position (after de-duplication). */
export interface TraceSummary {
  traceId: string;
  /** Earliest span start, µs. */
  startTime: number;
  /** Root span duration, or the covered range when the root is missing, µs. */
  duration: number;
  /** Index of the root span (the earliest-starting span without a parent in the trace). */
  root: number;
  /** Operation key id per span (see OperationKeys). */
  key: Int32Array;
  /** Parent index, −1 for roots and orphans. */
  parent: Int32Array;
  /** Distance from the span's root (0 for roots). */
  depth: Int32Array;
  start: Float64Array;
  /** µs. */
  spanDuration: Float64Array;
  /** µs, ≥ 0. */
  selfTime: Float64Array;
  /** Client–server gap attributed to this server span, µs; −1 when it has no client parent. */
  gap: Float64Array;
  /** 1 when the span reports an error. */
  error: Uint8Array;
  /** Instance name id (OperationKeys.name) or −1. */
  instance: Int32Array;
  /**
   * For a client span without children: the uninstrumented peer it calls (OperationKeys.name id of
   * the peer the dependency rules name, facts/dependency-spans.ts `spanFacts`), else −1.
   */
  peer: Int32Array;
  /** Children indexes grouped per span: children of i are childList[childStart[i] … childStart[i+1]). */
  childStart: Int32Array;
  childList: Int32Array;
}

export const DEFAULTS = {
  /** Process tags naming the instance, first present wins. */
  instanceTags: ['hostname', 'host.name', 'service.instance.id', 'ip', 'k8s.pod.name'] as readonly string[],
};

export interface SpanTreeOptions {
  instanceTags?: readonly string[];
  /** false: skip instances and peers (all −1), e.g. for baselines, which do not use them. Default true. */
  details?: boolean;
  /** false: instances but no peers (all −1), e.g. for per-instance baselines. Default: `details`. */
  peers?: boolean;
  /** Infer client/server roles of spans without `span.kind` (span-kind-inference.ts). Default true. */
  inferKinds?: boolean;
  /**
   * true (default): a client span whose children are all server spans has no self-time — its
   * uncovered time is the gap, counted once on the server spans (gap-attribution.ts decides whose
   * it is). false: the client keeps it as self-time as well.
   */
  gapOnly?: boolean;
  /** `spanFacts` of each span of the trace, in its order, when the caller has them already. */
  facts?: readonly SpanFacts[];
}

/** Error status (facts/span-failure.ts). */
export function spanHasError(span: Span): boolean {
  return spanFacts(span).error;
}

export function summarizeTrace(trace: Trace, keys: OperationKeys, options: SpanTreeOptions = {}): TraceSummary {
  const instanceTags = options.instanceTags ?? DEFAULTS.instanceTags;
  const details = options.details ?? true;
  const peers = options.peers ?? details;
  const gapOnly = options.gapOnly ?? true;
  if (!trace || !Array.isArray(trace.spans) || trace.spans.length === 0) {
    throw new AnalysisInputError('analysis/span-tree: a trace needs at least one span');
  }
  let spans: readonly Span[] = trace.spans;
  let facts = options.facts;
  if (facts && facts.length !== spans.length) throw new AnalysisInputError(`analysis/span-tree: ${facts.length} span facts for ${spans.length} spans`);
  let byId = indexById(spans);
  if (byId.size < spans.length) {
    const kept = dedupe(spans);
    if (kept) {
      spans = kept.map((i) => trace.spans[i]);
      if (facts) facts = kept.map((i) => facts![i]);
      byId = indexById(spans);
    }
  }
  const n = spans.length;
  const traceId = spans[0].traceId;
  const kinds: string[] = new Array(n);
  // One backing buffer for every per-span array (fewer allocations on the hot path).
  const arena = new Arena(n);
  const error = arena.u8(n);
  const peerName: Array<string | undefined> = new Array(n);
  for (let i = 0; i < n; i++) {
    const f = facts ? facts[i] : spanFacts(spans[i]);
    kinds[i] = f.kind;
    error[i] = f.error ? 1 : 0;
    peerName[i] = peers ? f.peer : undefined;
  }

  const parent = arena.i32(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const s = spans[i];
    const first = byId.get(s.spanId)!;
    if (first !== i && kinds[i] === 'server' && kinds[first] === 'client') {
      parent[i] = first; // Zipkin shared span id: the server half of a client span.
      continue;
    }
    const pid = parentSpanId(s);
    if (pid === undefined) continue;
    const p = byId.get(pid);
    if (p !== undefined && p !== i) parent[i] = p;
  }
  const depth = depthsBreakingCycles(parent, arena.i32(n).fill(-1), arena.u8(n).fill(0));

  // Children grouped per parent (counting sort), each group ordered by start.
  const childStart = arena.i32(n + 1).fill(0);
  for (let i = 0; i < n; i++) if (parent[i] >= 0) childStart[parent[i] + 1]++;
  for (let i = 0; i < n; i++) childStart[i + 1] += childStart[i];
  const fill = arena.i32(n);
  fill.set(childStart.subarray(0, n));
  const childList = arena.i32(childStart[n]);
  for (let i = 0; i < n; i++) if (parent[i] >= 0) childList[fill[parent[i]]++] = i;
  if ((options.inferKinds ?? true) && kinds.includes('')) {
    inferSpanKinds(kinds, parent, spans.map((s) => s.process.serviceName), childStart, childList);
  }

  const start = arena.f64(n);
  const spanDuration = arena.f64(n);
  const key = arena.i32(n);
  const instance = arena.i32(n);
  const instanceOf = new Map<Process, number>();
  for (let i = 0; i < n; i++) {
    const s = spans[i];
    start[i] = s.startTime;
    spanDuration[i] = Math.max(0, s.duration);
    key[i] = keys.intern(s.process.serviceName, s.operationName, kinds[i]);
    let inst = details ? instanceOf.get(s.process) : -1;
    if (inst === undefined) {
      inst = -1;
      for (const tagKey of instanceTags) {
        const t = findTag(s.process.tags, tagKey);
        if (t && t.type === 'string' && t.value) {
          inst = keys.internName(t.value);
          break;
        }
      }
      instanceOf.set(s.process, inst);
    }
    instance[i] = inst;
  }
  const peer = arena.i32(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const a = childStart[i];
    const b = childStart[i + 1];
    const name = peerName[i];
    if (a === b && name !== undefined && kinds[i] === 'client') peer[i] = keys.internName(name);
    if (b - a > 1) sortByStart(childList, a, b, start);
  }

  const selfTime = arena.f64(n);
  const gap = arena.f64(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const s0 = start[i];
    const e0 = s0 + spanDuration[i];
    const a = childStart[i];
    const b = childStart[i + 1];
    selfTime[i] = spanDuration[i] - unionLength(childList, a, b, start, spanDuration, s0, e0, null);
    if (kinds[i] === 'client' && b > a) {
      let servers = 0;
      for (let c = a; c < b; c++) if (kinds[childList[c]] === 'server') servers++;
      if (servers > 0) {
        const covered = unionLength(childList, a, b, start, spanDuration, -Infinity, Infinity, servers === b - a ? null : kinds);
        const g = Math.max(0, spanDuration[i] - covered);
        for (let c = a; c < b; c++) if (kinds[childList[c]] === 'server') gap[childList[c]] = g;
        if (gapOnly && servers === b - a) selfTime[i] = 0;
      }
    }
  }

  let root = -1;
  let minStart = Infinity;
  let maxEnd = -Infinity;
  for (let i = 0; i < n; i++) {
    minStart = Math.min(minStart, start[i]);
    maxEnd = Math.max(maxEnd, start[i] + spanDuration[i]);
    if (parent[i] >= 0) continue;
    if (root < 0) root = i;
    else {
      const rootHasRefs = spans[root].references.length > 0;
      const iHasRefs = spans[i].references.length > 0;
      if ((rootHasRefs && !iHasRefs) || (rootHasRefs === iHasRefs && start[i] < start[root])) root = i;
    }
  }
  const rootIsTrueRoot = spans[root].references.length === 0;
  return {
    traceId,
    startTime: minStart,
    duration: rootIsTrueRoot ? spanDuration[root] : maxEnd - minStart,
    root,
    key,
    parent,
    depth,
    start,
    spanDuration,
    selfTime,
    gap,
    error,
    instance,
    peer,
    childStart,
    childList,
  };
}

/** Carves the typed arrays of one trace out of a single buffer: 4 × f64, 8 × i32 (+1 entry), 2 × u8. */
class Arena {
  private readonly buffer: ArrayBuffer;
  private offset = 0;
  constructor(n: number) {
    this.buffer = new ArrayBuffer(8 * (4 * n) + 4 * (8 * n + 1) + 2 * n + 64); // + alignment padding
  }
  f64(len: number): Float64Array {
    this.offset = (this.offset + 7) & ~7;
    const a = new Float64Array(this.buffer, this.offset, len);
    this.offset += 8 * len;
    return a;
  }
  i32(len: number): Int32Array {
    this.offset = (this.offset + 3) & ~3;
    const a = new Int32Array(this.buffer, this.offset, len);
    this.offset += 4 * len;
    return a;
  }
  u8(len: number): Uint8Array {
    const a = new Uint8Array(this.buffer, this.offset, len);
    this.offset += len;
    return a;
  }
}

function indexById(spans: readonly Span[]): Map<string, number> {
  const byId = new Map<string, number>();
  for (let i = 0; i < spans.length; i++) if (!byId.has(spans[i].spanId)) byId.set(spans[i].spanId, i);
  return byId;
}

/** The positions of the spans kept when those identical to an earlier one in id, service, start, duration and operation are dropped; undefined when none is. */
function dedupe(spans: readonly Span[]): number[] | undefined {
  const seen = new Set<string>();
  let dup = false;
  const kept: number[] = [];
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    const sig = `${s.spanId}|${s.process.serviceName}|${s.startTime}|${s.duration}|${s.operationName}`;
    if (seen.has(sig)) {
      dup = true;
      continue;
    }
    seen.add(sig);
    kept.push(i);
  }
  return dup ? kept : undefined;
}

/** Depth per span; a parent chain that loops is cut by making the first revisited span a root. `onPath`: n zeros, scratch space. */
function depthsBreakingCycles(parent: Int32Array, depth: Int32Array, onPath: Uint8Array): Int32Array {
  const n = parent.length;
  const path: number[] = [];
  for (let i = 0; i < n; i++) {
    while (depth[i] < 0) {
      let cur = i;
      let cut = false;
      while (cur >= 0 && depth[cur] < 0) {
        if (onPath[cur]) {
          parent[cur] = -1; // cycle: cut here, then walk again
          cut = true;
          break;
        }
        onPath[cur] = 1;
        path.push(cur);
        cur = parent[cur];
      }
      if (!cut) {
        let d = cur >= 0 ? depth[cur] : -1;
        for (let k = path.length - 1; k >= 0; k--) depth[path[k]] = ++d;
      }
      for (const s of path) onPath[s] = 0;
      path.length = 0;
    }
  }
  return depth;
}

/**
 * Children a … b−1 of `childList` ordered by start, then position (a total order, so the result is
 * the one any sort gives). Insertion sort: sibling groups are small, and it needs no comparator
 * closure or copy.
 */
function sortByStart(childList: Int32Array, a: number, b: number, start: Float64Array): void {
  for (let i = a + 1; i < b; i++) {
    const c = childList[i];
    const s = start[c];
    let j = i - 1;
    while (j >= a && (start[childList[j]] > s || (start[childList[j]] === s && childList[j] > c))) {
      childList[j + 1] = childList[j];
      j--;
    }
    childList[j + 1] = c;
  }
}

/** Length of the union of child intervals (sorted by start) clipped to [lo, hi]; with `kinds`, of the server children only. */
function unionLength(
  childList: Int32Array,
  a: number,
  b: number,
  start: Float64Array,
  duration: Float64Array,
  lo: number,
  hi: number,
  kinds: readonly string[] | null,
): number {
  let total = 0;
  let curS = 0;
  let curE = -Infinity;
  for (let c = a; c < b; c++) {
    const ch = childList[c];
    if (kinds !== null && kinds[ch] !== 'server') continue;
    const s = Math.max(lo, start[ch]);
    const e = Math.min(hi, start[ch] + duration[ch]);
    if (e <= s) continue;
    if (s > curE) {
      if (curE > curS) total += curE - curS;
      curS = s;
      curE = e;
    } else if (e > curE) curE = e;
  }
  if (curE > curS) total += curE - curS;
  return total;
}
