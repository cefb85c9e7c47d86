/**
 * The `anomalies` service function: streams the baseline and the incident window from any
 * SpanReader, keeps bounded per-operation samples for the baseline and compact per-trace
 * summaries for the window, and hands them to the pure modules in src/analysis.
 */
import type {
  AbnormalTrace,
  AnomalyReport,
  DetectionThresholds,
  InstanceShift,
  OperationHistogram,
  OperationSummary,
  RootCauseEvidence,
  SpectrumMethod,
  AnalysisSwitch,
  TimeRange,
} from '../analysis/anomaly-report.js';
import { ANALYSIS_SWITCHES, ANOMALY_SIGNALS } from '../analysis/anomaly-report.js';
import type { Baselines } from '../analysis/baselines.js';
import { BaselineBuilder } from '../analysis/baselines.js';
import { criticalPathTimes } from '../analysis/critical-path.js';
import { latencyHistogram } from '../analysis/latency-histogram.js';
import { OperationKeys } from '../analysis/operation-keys.js';
import { originSignals } from '../analysis/origin-evidence.js';
import { tracesWithFlaggedRows } from '../analysis/origin-traces.js';
import { isLoadStep, loadExpectedRate, loadRatio } from '../analysis/load-expectation.js';
import { detectOutliers, resolveThresholds, SIGNAL_BIT, signalThreshold } from '../analysis/outlier-detection.js';
import { attributeGaps } from '../analysis/gap-attribution.js';
import type { InstanceFinding } from '../analysis/instance-evidence.js';
import { instanceEvidence, InstanceBaselineBuilder } from '../analysis/instance-evidence.js';
import { spanSeverity } from '../analysis/span-severity.js';
import { operationShifts } from '../analysis/operation-shift.js';
import type { RankedNode } from '../analysis/root-cause-ranking.js';
import { liftToOperations, rankRootCauses } from '../analysis/root-cause-ranking.js';
import { DependencyGraphBuilder } from '../analysis/dependency-graph.js';
import { summarizeTrace } from '../analysis/span-tree.js';
import { spanFacts } from '../facts/dependency-spans.js';
import { SPECTRUM_METHODS } from '../analysis/spectrum-scoring.js';
import type { TraceColumnsView } from '../analysis/trace-columns.js';
import { TraceColumns } from '../analysis/trace-columns.js';
import { InvalidArgumentError } from '../model/index.js';
import { rankingConfidence } from '../analysis/ranking-confidence.js';
import type { SpanReader } from '../storage/types.js';
import { isoFromUs } from './shared-options.js';

export interface AnomaliesOptions {
  /** The incident window, µs since epoch, inclusive. A trace belongs to the range its earliest span starts in. */
  window: TimeRange;
  /** The reference window, µs since epoch, inclusive (CLI default: the 24 h before `window.start`). */
  baseline: TimeRange;
  /** Only traces with at least one span of this service. */
  service?: string;
  /** Root causes to return per level. */
  top: number;
  method: SpectrumMethod;
  /** MicroRank PageRank weighting of the spectrum counts. */
  pagerank: boolean;
  /** Ranking signals and detection parts switched off, for ablation (analysis/anomaly-report.ts AnalysisSwitch). */
  without?: readonly AnalysisSwitch[];
  /** Overrides of the detection DEFAULTS of analysis/outlier-detection.ts (z 3, min log-σ 0.1, min shift 1 ms, selection ratio 3, selection z 3). */
  thresholds?: Partial<DetectionThresholds>;
  /** Example trace ids per root cause (default 3). */
  examples?: number;
  /** Baseline samples kept per operation and signal (default 2048); bounds memory. */
  sampleSize?: number;
  /** Called as traces are read (for a progress bar). */
  onProgress?: (phase: 'baseline' | 'window', traces: number) => void;
}

export const ANOMALIES_DEFAULTS = {
  top: 10,
  method: 'ochiai' as SpectrumMethod,
  pagerank: false,
  examples: 3,
  sampleSize: 2048,
  /** Operations with a baseline-vs-window histogram (the top operation root causes). */
  histograms: 6,
  /** Default baseline length before the window, µs (24 h). */
  baselineLengthUs: 24 * 3_600_000_000,
};

export async function runAnomalies(reader: SpanReader, opts: AnomaliesOptions): Promise<AnomalyReport> {
  checkRange(opts.window, 'window');
  checkRange(opts.baseline, 'baseline');
  if (!Number.isInteger(opts.top) || opts.top < 1) throw new InvalidArgumentError(`--top: expected a positive integer, got ${opts.top}`);
  if (!SPECTRUM_METHODS.includes(opts.method)) throw new InvalidArgumentError(`--method: expected one of ${SPECTRUM_METHODS.join(', ')}, got "${opts.method}"`);
  const without = new Set(opts.without ?? []);
  for (const w of without) if (!ANALYSIS_SWITCHES.includes(w)) throw new InvalidArgumentError(`--without: expected some of ${ANALYSIS_SWITCHES.join(', ')}, got "${w}"`);
  const thresholds = resolveThresholds({ ...opts.thresholds, ...(without.has('tail-quantile') ? { tailQuantile: 0 } : {}) });
  const treeOptions = { inferKinds: !without.has('kind-inference'), gapOnly: !without.has('gap-attribution') };
  const examples = opts.examples ?? ANOMALIES_DEFAULTS.examples;
  const keys = new OperationKeys();

  // Baseline: bounded samples per operation.
  const builder = new BaselineBuilder({ sampleSize: opts.sampleSize ?? ANOMALIES_DEFAULTS.sampleSize });
  const useInstances = !without.has('instance-evidence');
  const instanceBuilder = useInstances ? new InstanceBaselineBuilder({ sampleSize: opts.sampleSize ?? ANOMALIES_DEFAULTS.sampleSize }) : undefined;
  // Instances (not peers) only for the per-instance baselines.
  const baselineTreeOptions = { ...treeOptions, details: useInstances, peers: false };
  let read = 0;
  for await (const trace of reader.findTraces({ serviceName: opts.service, startTimeMin: opts.baseline.start, startTimeMax: opts.baseline.end })) {
    if (trace.spans.length === 0) continue;
    const summary = summarizeTrace(trace, keys, baselineTreeOptions);
    if (summary.startTime >= opts.baseline.start && summary.startTime <= opts.baseline.end) {
      builder.add(summary);
      instanceBuilder?.add(summary);
    }
    if (++read % 1000 === 0) opts.onProgress?.('baseline', read);
  }
  const baselines = builder.finish(opts.baseline);

  // Window: compact columns per trace, plus the service links.
  const columns = new TraceColumns();
  // The service edges of `deps` for the same window: the one call-pairing rule (facts/call-pairing.ts).
  const links = new DependencyGraphBuilder({ latency: false });
  read = 0;
  for await (const trace of reader.findTraces({ serviceName: opts.service, startTimeMin: opts.window.start, startTimeMax: opts.window.end })) {
    if (trace.spans.length === 0) continue;
    // The tag facts serve both the span tree and the service links.
    const facts = trace.spans.map(spanFacts);
    const summary = summarizeTrace(trace, keys, { ...treeOptions, facts });
    if (summary.startTime >= opts.window.start && summary.startTime <= opts.window.end) {
      columns.add(summary, criticalPathTimes(summary));
      links.addTrace(trace, facts);
    }
    if (++read % 1000 === 0) opts.onProgress?.('window', read);
  }
  const view = columns.view();

  const report: AnomalyReport = {
    version: 1,
    window: { ...opts.window, traces: view.traceCount, spans: view.spanCount, abnormalTraces: 0 },
    baseline: { ...opts.baseline, traces: baselines.traces, spans: baselines.spans, operations: baselines.byKey.filter(Boolean).length },
    method: opts.method,
    pagerank: opts.pagerank,
    ...(without.size ? { without: ANALYSIS_SWITCHES.filter((w) => without.has(w)) } : {}),
    ...(opts.service !== undefined ? { service: opts.service } : {}),
    thresholds,
    anomalies: [],
    operations: [],
    rootCauses: [],
    operationRootCauses: [],
    abnormalTraces: [],
    dependencies: links.links(),
    histograms: [],
  };
  const notes: string[] = [];
  if (view.traceCount === 0) {
    report.message = `no traces in the window ${isoFromUs(opts.window.start)} – ${isoFromUs(opts.window.end)}${opts.service ? ` for service ${opts.service}` : ''}: nothing to analyse`;
    return report;
  }
  if (baselines.traces === 0) {
    notes.push(`no traces in the baseline ${isoFromUs(opts.baseline.start)} – ${isoFromUs(opts.baseline.end)}: latency cannot be judged, only errors are flagged`);
  }

  const load = without.has('load-expectation') ? 1 : loadRatio(view.traceCount, opts.window, baselines.traces, opts.baseline);
  const detection = detectOutliers(view, opts.window, baselines, keys, thresholds, {
    loadRatio: load,
    bodyShift: !without.has('body-shift') && isLoadStep(load, view.traceCount, baselines.traces, thresholds.selectionZ),
    slowRuns: !without.has('slow-runs'),
  });
  report.window.abnormalTraces = detection.abnormalTraceCount;
  report.operations = detection.operations;
  report.anomalies = detection.operations
    .filter((o) => o.signals.length > 0)
    .sort((a, b) => abnormalTotal(b) - abnormalTotal(a) || (b.p99Shift ?? 0) - (a.p99Shift ?? 0));
  if (detection.abnormalTraceCount === 0) {
    notes.push(`no abnormal traces among ${view.traceCount} in the window: no operation shifted against its baseline`);
    report.message = notes.join('; ');
    return report;
  }
  const origins = originSignals(view.parent, detection.spanSignals, !without.has('leaf-latency'));
  // The traces the ranking and the report call abnormal.
  const { abnormalTrace, abnormalTraceCount } = without.has('origin-traces') ? detection : tracesWithFlaggedRows(view.traceOffset, origins);
  if (abnormalTraceCount !== detection.abnormalTraceCount) {
    report.window.abnormalTraces = abnormalTraceCount;
    if (abnormalTraceCount === 0) {
      notes.push(`no abnormal traces among ${view.traceCount} in the window: operations shifted, but no span is abnormal on its own (only parents' total latencies)`);
      report.message = notes.join('; ');
      return report;
    }
  }

  // Nodes: a leaf client span calling an uninstrumented peer belongs to the peer.
  const names = new OperationKeys();
  const serviceNode = new Int32Array(view.spanCount);
  const opNode = new Int32Array(view.spanCount);
  // (peer, key) → [service node, operation node, spans]; the span count picks each operation's histogram key.
  const nodeCache = new Map<number, [number, number, number]>();
  for (let i = 0; i < view.spanCount; i++) {
    const cacheKey = (view.peer[i] + 1) * keys.size + view.key[i];
    let nodes = nodeCache.get(cacheKey);
    if (!nodes) {
      const k = keys.key(view.key[i]);
      const service = view.peer[i] >= 0 ? keys.name(view.peer[i]) : k.service;
      nodes = [names.internName(service), names.intern(service, k.operation, ''), 0];
      nodeCache.set(cacheKey, nodes);
    }
    serviceNode[i] = nodes[0];
    opNode[i] = nodes[1];
    nodes[2]++;
  }
  const opNodeKeys = new Map<number, Map<number, number>>();
  for (const [cacheKey, [, op, count]] of nodeCache) {
    const key = cacheKey % keys.size;
    let m = opNodeKeys.get(op);
    if (!m) opNodeKeys.set(op, (m = new Map()));
    m.set(key, (m.get(key) ?? 0) + count);
  }
  const rankOptions = { method: opts.method, pagerank: opts.pagerank, examples, spectrum: !without.has('spectrum') };
  const gapRate = new Map<number, number>();
  const gapRow = without.has('gap-attribution') ? ownRows(detection.spanSignals) : attributeGaps(
    {
      parent: view.parent,
      service: serviceNode,
      serviceCount: names.nameCount,
      gap: view.gap,
      spanSignals: detection.spanSignals,
      baselineRate: (row) => {
        const k = view.key[row];
        let r = gapRate.get(k);
        if (r === undefined) {
          const b = baselines.byKey[k]?.gap;
          gapRate.set(k, (r = b ? loadExpectedRate(signalThreshold(b, thresholds).baselineRate, load) : 1));
        }
        return r;
      },
      ...(without.has('edge-rank-test') ? {} : { key: view.key, baselineGaps: (k: number) => baselines.byKey[k]?.gap?.sortedLog ?? null }),
    },
    thresholds,
  );
  const severity = without.has('severity') ? undefined : { ...spanSeverity(view, origins, baselines), gapRow };
  // Instance findings: each to its instance's own service (not a peer it calls) and operation.
  const findings = instanceBuilder ? instanceEvidence(view, instanceBuilder.finish(), thresholds.selectionZ, opts.sampleSize ?? ANOMALIES_DEFAULTS.sampleSize) : [];
  const findingOfService = new Map<number, InstanceFinding>();
  const findingOfOperation = new Map<number, InstanceFinding>();
  for (const f of findings) {
    const k = keys.key(f.key);
    const s = names.internName(k.service);
    const o = names.intern(k.service, k.operation, '');
    if (!findingOfService.has(s)) findingOfService.set(s, f);
    if (!findingOfOperation.has(o)) findingOfOperation.set(o, f);
  }
  const instanceScores = (best: Map<number, InstanceFinding>, count: number) => {
    if (!instanceBuilder) return undefined;
    const out = new Float64Array(count);
    for (const [node, f] of best) out[node] = f.score;
    return out;
  };
  // Operation shifts: each key's score to the nodes its spans belong to (a leaf client span's to its peer).
  let opShift: Float64Array | undefined;
  let serviceShift: Float64Array | undefined;
  if (!without.has('operation-shift')) {
    const byKey = operationShifts(view, baselines, keys.size, load, thresholds, opts.sampleSize ?? ANOMALIES_DEFAULTS.sampleSize).byKey;
    opShift = new Float64Array(names.size);
    serviceShift = new Float64Array(names.nameCount);
    for (let i = 0; i < view.spanCount; i++) {
      const s = byKey[view.key[i]];
      if (!(s > 0)) continue;
      if (s > opShift[opNode[i]]) opShift[opNode[i]] = s;
      if (s > serviceShift[serviceNode[i]]) serviceShift[serviceNode[i]] = s;
    }
  }
  const input = { window: view, abnormalTrace, origins, severity };
  const byOperation = rankRootCauses({ ...input, nodeOf: opNode, nodeCount: names.size, instanceScore: instanceScores(findingOfOperation, names.size), shiftScore: opShift }, rankOptions);
  const byService = rankRootCauses({ ...input, nodeOf: serviceNode, nodeCount: names.nameCount, instanceScore: instanceScores(findingOfService, names.nameCount), shiftScore: serviceShift }, rankOptions);
  if (!without.has('operation-level')) liftToOperations(byService, byOperation, (op) => names.internName(names.key(op).service));
  const shiftOf = (f: InstanceFinding | undefined): InstanceShift | undefined =>
    f && { instance: keys.name(f.instance), operation: keys.key(f.key).operation, signal: f.signal, z: f.z, delta: f.delta, shift: f.shift, score: f.score };

  report.operationRootCauses = byOperation.slice(0, opts.top).map((r, i) => {
    const k = names.key(r.node);
    return { rank: i + 1, service: k.service, operation: k.operation, score: r.score, evidence: evidence(r, keys, shiftOf(findingOfOperation.get(r.node))) };
  });
  report.rootCauses = byService.slice(0, opts.top).map((r, i) => {
    const service = names.name(r.node);
    const best = byOperation.find((o) => names.key(o.node).service === service);
    return { rank: i + 1, service, operation: best ? names.key(best.node).operation : '', score: r.score, evidence: evidence(r, keys, shiftOf(findingOfService.get(r.node))) };
  });
  const confidence = rankingConfidence(
    byService.map((r) => ({ service: names.name(r.node), score: r.score, evidence: { ...r, instanceSpans: findingOfService.get(r.node)?.n } })),
  );
  if (confidence) report.confidence = confidence;
  report.abnormalTraces = abnormalTraces(view, abnormalTrace, detection.spanSignals, origins, keys, names, serviceNode);
  // Histograms: operations that originate the anomaly first, then the most shifted ones.
  const histogramKeys: number[] = [];
  for (const r of byOperation) if (r.originTraces > 0) histogramKeys.push(mostFrequent(opNodeKeys.get(r.node)!));
  for (const o of report.anomalies) histogramKeys.push(keys.find(o.service, o.operation, o.spanKind)!);
  report.histograms = histograms(view, baselines, keys, [...new Set(histogramKeys)].slice(0, ANOMALIES_DEFAULTS.histograms));
  if (notes.length) report.message = notes.join('; ');
  return report;
}

/** Every gap outlier stays with its own (callee) row. */
function ownRows(spanSignals: Uint8Array): Int32Array {
  const rows = new Int32Array(spanSignals.length).fill(-1);
  for (let i = 0; i < rows.length; i++) if (spanSignals[i] & SIGNAL_BIT.gap) rows[i] = i;
  return rows;
}

function checkRange(r: TimeRange | undefined, what: string): void {
  if (!r || !Number.isFinite(r.start) || !Number.isFinite(r.end)) throw new InvalidArgumentError(`${what}: start and end must be µs since epoch`);
  if (r.start > r.end) throw new InvalidArgumentError(`${what}: start ${isoFromUs(r.start)} is after end ${isoFromUs(r.end)}`);
}

function abnormalTotal(o: OperationSummary): number {
  const c = o.abnormalSpans;
  return c.latency + c.selfTime + c.gap + c.error;
}

function evidence(r: RankedNode, keys: OperationKeys, instanceShift: InstanceShift | undefined): RootCauseEvidence {
  const e: RootCauseEvidence = {
    ef: r.ef,
    ep: r.ep,
    nf: r.nf,
    np: r.np,
    spectrum: r.spectrum,
    originTraces: r.originTraces,
    originShare: r.originShare,
    signals: r.signals,
    criticalPathShare: r.criticalPathShare,
    exampleTraceIds: r.exampleTraceIds,
  };
  if (r.pagerankWeight !== undefined) e.pagerankWeight = r.pagerankWeight;
  if (r.severity !== undefined) e.severity = r.severity;
  if (r.topInstance) e.topInstance = { name: keys.name(r.topInstance.id), share: r.topInstance.share };
  if (instanceShift) e.instanceShift = instanceShift;
  return e;
}

function abnormalTraces(
  view: TraceColumnsView,
  abnormal: Uint8Array,
  spanSignals: Uint8Array,
  origins: Uint8Array,
  keys: OperationKeys,
  names: OperationKeys,
  serviceNode: Int32Array,
): AbnormalTrace[] {
  const out: AbnormalTrace[] = [];
  for (let t = 0; t < view.traceCount; t++) {
    if (!abnormal[t]) continue;
    let bits = 0;
    const seen = new Set<string>();
    const list: AbnormalTrace['origins'] = [];
    for (let i = view.traceOffset[t]; i < view.traceOffset[t + 1]; i++) {
      bits |= spanSignals[i];
      if (!origins[i]) continue;
      const service = names.name(serviceNode[i]);
      const operation = keys.key(view.key[i]).operation;
      for (const signal of ANOMALY_SIGNALS) {
        if (!(origins[i] & SIGNAL_BIT[signal])) continue;
        const id = `${service}\u0000${operation}\u0000${signal}`;
        if (seen.has(id)) continue;
        seen.add(id);
        list.push({ service, operation, signal });
      }
    }
    const root = keys.key(view.key[view.traceRoot[t]]);
    out.push({
      traceId: view.traceIds[t],
      startTime: view.traceStart[t],
      duration: view.traceDuration[t],
      rootService: root.service,
      rootOperation: root.operation,
      signals: ANOMALY_SIGNALS.filter((s) => bits & SIGNAL_BIT[s]),
      origins: list,
    });
  }
  return out.sort((a, b) => a.startTime - b.startTime || (a.traceId < b.traceId ? -1 : 1));
}

/** The key seen most often (ties: the lowest id). */
function mostFrequent(counts: Map<number, number>): number {
  let best = -1;
  let bestCount = -1;
  for (const [k, c] of counts) if (c > bestCount || (c === bestCount && k < best)) [best, bestCount] = [k, c];
  return best;
}

/** Baseline-vs-window latency histograms of the given operation keys. */
function histograms(view: TraceColumnsView, baselines: Baselines, keys: OperationKeys, keyIds: number[]): OperationHistogram[] {
  const values = new Map<number, number[]>(keyIds.map((id) => [id, []]));
  for (let i = 0; i < view.spanCount; i++) values.get(view.key[i])?.push(view.duration[i]);
  return keyIds.map((id) => {
    const b = baselines.byKey[id]?.latency;
    const base = b ? Array.from(b.sortedLog, (v) => Math.expm1(v)) : [];
    const k = keys.key(id);
    return { service: k.service, operation: k.operation, spanKind: k.spanKind, ...latencyHistogram(base, values.get(id)!) };
  });
}
