import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import type { Store } from '../../src/storage/types.js';
import { describeStorageConformance } from './conformance.js';
const mutate = (m: (s: any) => any) => async (): Promise<Store> => {
  const st = createMemoryStore();
  const w = st.writeSpans;
  return { ...st, writeSpans: (spans) => w(spans.map(m)) } as Store;
};
describeStorageConformance('int-as-float', mutate((s) => ({ ...s, tags: s.tags.map((t: any) => t.type === 'int64' ? { key: t.key, type: 'float64', value: Number(t.value) } : t) })));
describeStorageConformance('dur+1', mutate((s) => ({ ...s, duration: s.duration + 1 })));
