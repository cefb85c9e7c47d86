/**
 * Operation keys — interning of (service, operation, span kind) and of other names (instances, peers) to dense
 * integer ids, so per-span summaries are typed arrays rather than objects and strings.
 *
 * Reference: Tempo span-metrics dimensions `service, span_name, span_kind` (grafana/tempo
 * `modules/generator/processor/spanmetrics`).
 */
import { NameTable } from '../facts/name-table.js';

export interface OperationKey {
  service: string;
  operation: string;
  /** Lower-case span kind, "" when absent. */
  spanKind: string;
}

/** Ids are dense from 0 in first-seen order and never change. One registry per analysis run. */
export class OperationKeys {
  /** service → operation → kind → id (nested maps: no string building per lookup). */
  private readonly ids = new Map<string, Map<string, Map<string, number>>>();
  private readonly keys: OperationKey[] = [];
  private readonly names = new NameTable();

  get size(): number {
    return this.keys.length;
  }

  /** Names interned with internName; their ids are 0 … nameCount − 1. */
  get nameCount(): number {
    return this.names.names.length;
  }

  intern(service: string, operation: string, spanKind: string): number {
    let byOp = this.ids.get(service);
    if (!byOp) this.ids.set(service, (byOp = new Map()));
    let byKind = byOp.get(operation);
    if (!byKind) byOp.set(operation, (byKind = new Map()));
    let id = byKind.get(spanKind);
    if (id === undefined) {
      id = this.keys.length;
      byKind.set(spanKind, id);
      this.keys.push({ service, operation, spanKind });
    }
    return id;
  }

  /** The id of a key seen before, or undefined. */
  find(service: string, operation: string, spanKind: string): number | undefined {
    return this.ids.get(service)?.get(operation)?.get(spanKind);
  }

  key(id: number): OperationKey {
    const k = this.keys[id];
    if (!k) throw new RangeError(`analysis/operation-keys: unknown key id ${id}`);
    return k;
  }

  internName(name: string): number {
    return this.names.number(name);
  }

  /** The name interned as `id`; "" for an unknown id. */
  name(id: number): string {
    return this.names.names[id] ?? '';
  }
}
