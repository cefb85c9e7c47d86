/**
 * Dependency spans — the facts about one trace's spans that the dependency rules
 * (dependency-graph.ts) read, column-wise: per span its id (as a small integer), service and
 * operation (as numbers of interned names), start and duration (integer µs), its facts (kind,
 * error, uninstrumented peer, read from the tags by `spanFacts`), and its references resolved to
 * span ids of the same trace.
 *
 * Everything the rules need and nothing else, so a store can keep it beside the spans and serve
 * dependency analysis without decoding whole spans (storage/sqlite/dependency-summary.ts);
 * `DependencySpansBuffer.fromTrace` derives the same thing from whole spans for every other source.
 * Memory: one buffer, reused from trace to trace, sized by the largest trace.
 */
import type { Span, Trace } from '../model/index.js';
import { lowerSpanKind } from '../model/index.js';
import { FAILURE_TAG_KEYS, tagMarksFailure } from './span-failure.js';
import { NameTable } from './name-table.js';

export type ConnectionType = '' | 'database' | 'messaging' | 'virtual';

/**
 * The version of the rules that derive SpanFacts from tags (`spanFacts`, span-failure.ts). Facts
 * stored under another version (storage/sqlite/dependency-summary.ts) are stale and are derived
 * again from the spans: bump this with any change to those rules. 0 is the first.
 */
export const SPAN_FACTS_RULE_VERSION = 0;

/** Facts read from a span's tags in one pass. */
export interface SpanFacts {
  /** The `span.kind` tag, lower case; '' when absent. */
  kind: string;
  /** The span failed (span-failure.ts). */
  error: boolean;
  /** The uninstrumented peer the span talks to (rule 3 of dependency-graph.ts), if tagged. */
  peer: string | undefined;
  peerType: ConnectionType;
  peerServiceTagged: boolean;
}

/** `refTarget` of a reference to a span id no span of the trace has. */
export const REF_ABSENT = -1;
/** `refTarget` of a reference into another trace. */
export const REF_OTHER_TRACE = -2;

/** The dependency facts of one trace's spans; index i is the i-th span. */
export interface DependencySpans {
  /** Number of spans. */
  length: number;
  /** Span ids numbered 0 … length−1 within the trace: equal ids, equal numbers. */
  id: Int32Array;
  /** Service and operation name numbers, indexes into `names`. */
  service: Int32Array;
  operation: Int32Array;
  /**
   * The name of every number: append-only, so a number keeps its name for as long as the same
   * buffer is refilled (one scan); equal names, equal numbers.
   */
  names: readonly string[];
  /** Start, µs since epoch. */
  start: Float64Array;
  /** Duration, µs. */
  duration: Float64Array;
  facts: SpanFacts[];
  /** The references of span i are refStart[i] … refStart[i + 1] − 1, in the span's order. */
  refStart: Int32Array;
  /** The referenced span id (an `id` number), REF_ABSENT or REF_OTHER_TRACE. */
  refTarget: Int32Array;
  /** 1 for FOLLOWS_FROM, 0 for CHILD_OF. */
  refFollowsFrom: Uint8Array;
}

/** A DependencySpans whose arrays grow as needed and are reused from trace to trace. */
export class DependencySpansBuffer implements DependencySpans {
  length = 0;
  id = new Int32Array(16);
  service = new Int32Array(16);
  operation = new Int32Array(16);
  private readonly nameTable = new NameTable();
  readonly names: readonly string[] = this.nameTable.names;
  start = new Float64Array(16);
  duration = new Float64Array(16);
  facts: SpanFacts[] = [];
  refStart = new Int32Array(17);
  refTarget = new Int32Array(16);
  refFollowsFrom = new Uint8Array(16);
  private readonly ids = new Map<string, number>();

  /** Makes room for `spans` spans and `refs` references, and sets length to `spans`. */
  reset(spans: number, refs: number): void {
    this.length = spans;
    if (this.id.length < spans) {
      const n = Math.max(spans, this.id.length * 2);
      this.id = new Int32Array(n);
      this.service = new Int32Array(n);
      this.operation = new Int32Array(n);
      this.start = new Float64Array(n);
      this.duration = new Float64Array(n);
      this.refStart = new Int32Array(n + 1);
    }
    if (this.refTarget.length < refs) {
      const n = Math.max(refs, this.refTarget.length * 2);
      this.refTarget = new Int32Array(n);
      this.refFollowsFrom = new Uint8Array(n);
    }
  }

  /** The number of `name` in `names`, added as needed. */
  nameNumber(name: string): number {
    return this.nameTable.number(name);
  }

  /** The facts of a whole trace; spans keep their order. `facts`: `spanFacts` of each span, when the caller has them. */
  fromTrace(trace: Trace, facts?: readonly SpanFacts[]): this {
    const spans = trace.spans;
    const n = spans.length;
    let refs = 0;
    for (let i = 0; i < n; i++) refs += spans[i].references.length;
    this.reset(n, refs);
    const ids = this.ids;
    ids.clear();
    for (let i = 0; i < n; i++) {
      const s = spans[i];
      let id = ids.get(s.spanId);
      if (id === undefined) ids.set(s.spanId, (id = ids.size));
      this.id[i] = id;
      this.service[i] = this.nameNumber(s.process.serviceName);
      this.operation[i] = this.nameNumber(s.operationName);
      this.start[i] = s.startTime;
      this.duration[i] = s.duration;
      this.facts[i] = facts ? facts[i] : spanFacts(s);
    }
    let r = 0;
    for (let i = 0; i < n; i++) {
      const s = spans[i];
      this.refStart[i] = r;
      for (const ref of s.references) {
        this.refTarget[r] = ref.traceId !== s.traceId ? REF_OTHER_TRACE : (ids.get(ref.spanId) ?? REF_ABSENT);
        this.refFollowsFrom[r] = ref.refType === 'FOLLOWS_FROM' ? 1 : 0;
        r++;
      }
    }
    this.refStart[n] = r;
    return this;
  }
}

/** The facts the dependency rules read from a span's tags. */
export function spanFacts(span: Span): SpanFacts {
  let kind = '';
  let error = false;
  let peerService: string | undefined;
  let serverAddress: string | undefined;
  let netPeerName: string | undefined;
  let peerHostname: string | undefined;
  let networkPeerAddress: string | undefined;
  let networkPeerPort: string | undefined;
  let dbName: string | undefined;
  let dbSystem: string | undefined;
  let messagingSystem: string | undefined;
  for (const t of span.tags) {
    const field = tagField(t.key);
    switch (field) {
      case Field.Kind:
        if (t.type === 'string') kind = lowerSpanKind(t.value);
        break;
      case Field.PeerService:
        peerService = str(t);
        break;
      case Field.ServerAddress:
        serverAddress = str(t);
        break;
      case Field.NetPeerName:
        netPeerName = str(t);
        break;
      case Field.PeerHostname:
        peerHostname = str(t);
        break;
      case Field.NetworkPeerAddress:
        networkPeerAddress = str(t);
        break;
      case Field.NetworkPeerPort:
        networkPeerPort = str(t);
        break;
      case Field.DbName:
        dbName = str(t);
        break;
      case Field.DbSystem:
        dbSystem = str(t);
        break;
      case Field.MessagingSystem:
        messagingSystem = str(t);
        break;
      case Field.Failure:
        if (!error && tagMarksFailure(t)) error = true;
    }
  }
  let peer: string | undefined;
  let peerType: ConnectionType = '';
  const isDb = dbName !== undefined || dbSystem !== undefined;
  if (peerService) {
    peer = peerService;
    peerType = isDb ? 'database' : messagingSystem ? 'messaging' : 'virtual';
  } else if (isDb) {
    const addr = networkPeerAddress && (networkPeerPort ? `${networkPeerAddress}:${networkPeerPort}` : networkPeerAddress);
    peer = serverAddress || netPeerName || addr || dbName || dbSystem;
    peerType = 'database';
  } else if (messagingSystem) {
    peer = messagingSystem;
    peerType = 'messaging';
  } else if (serverAddress || netPeerName || peerHostname) {
    peer = serverAddress || netPeerName || peerHostname;
    peerType = 'virtual';
  }
  return makeSpanFacts(kind, error, peer || undefined, peerType, peerService !== undefined);
}

/** SpanFacts from their parts; spans without peer tags (most) share immutable objects. */
export function makeSpanFacts(kind: string, error: boolean, peer: string | undefined, peerType: ConnectionType, peerServiceTagged: boolean): SpanFacts {
  if (peer === undefined && !peerServiceTagged) {
    const pair = PLAIN_FACTS.get(kind);
    if (pair) return pair[error ? 1 : 0];
    peerType = '';
  }
  return { kind, error, peer, peerType, peerServiceTagged };
}

const PLAIN_FACTS = new Map<string, [SpanFacts, SpanFacts]>();
for (const kind of ['', 'client', 'server', 'producer', 'consumer', 'internal']) {
  PLAIN_FACTS.set(kind, [false, true].map((error) => Object.freeze({ kind, error, peer: undefined, peerType: '' as ConnectionType, peerServiceTagged: false })) as [SpanFacts, SpanFacts]);
}

/** What a tag key tells `spanFacts`. */
const enum Field {
  None,
  Kind,
  PeerService,
  ServerAddress,
  NetPeerName,
  PeerHostname,
  NetworkPeerAddress,
  NetworkPeerPort,
  DbName,
  DbSystem,
  MessagingSystem,
  Failure,
}

/** Tag key → field; the failure keys (span-failure.ts) are the rest. */
const TAG_FIELD: ReadonlyMap<string, Field> = new Map<string, Field>([
  ...[...FAILURE_TAG_KEYS].map((key): [string, Field] => [key, Field.Failure]),
  ['span.kind', Field.Kind],
  ['peer.service', Field.PeerService],
  ['server.address', Field.ServerAddress],
  ['net.peer.name', Field.NetPeerName],
  ['peer.hostname', Field.PeerHostname],
  ['network.peer.address', Field.NetworkPeerAddress],
  ['net.sock.peer.addr', Field.NetworkPeerAddress],
  ['network.peer.port', Field.NetworkPeerPort],
  ['db.name', Field.DbName],
  ['db.namespace', Field.DbName],
  ['db.instance', Field.DbName],
  ['db.system', Field.DbSystem],
  ['db.type', Field.DbSystem],
  ['messaging.system', Field.MessagingSystem],
]);

/**
 * TAG_FIELD's keys grouped by length: most tags are none of them, and a length test and a compare
 * or two cost less than hashing a key string freshly decoded for every span.
 */
const KEYS_BY_LENGTH: (readonly string[] | undefined)[] = [];
const FIELDS_BY_LENGTH: Field[][] = [];
for (const [key, field] of TAG_FIELD) {
  ((KEYS_BY_LENGTH[key.length] ??= []) as string[]).push(key);
  (FIELDS_BY_LENGTH[key.length] ??= []).push(field);
}

function tagField(key: string): Field {
  const keys = KEYS_BY_LENGTH[key.length];
  if (keys !== undefined) for (let i = 0; i < keys.length; i++) if (keys[i] === key) return FIELDS_BY_LENGTH[key.length][i];
  return Field.None;
}

function str(t: Span['tags'][number]): string | undefined {
  if (t.type === 'string') return t.value;
  if (t.type === 'int64') return t.value.toString();
  if (t.type === 'float64' || t.type === 'bool') return String(t.value);
  return undefined;
}
