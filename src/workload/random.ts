/** Deterministic PRNG (mulberry32) so generated workloads repeat for the same seed. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  /** Log-normal sample with the given median and shape σ. */
  logNormal(median: number, sigma: number): number {
    const u = 1 - this.next();
    const v = this.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return median * Math.exp(sigma * z);
  }
  /** `digits` lowercase hex digits, as one flat string (ids decoded from the wire are flat, not concatenations). */
  hex(digits: number): string {
    const groups: string[] = [];
    for (let n = 0; n < digits; n += 4) groups.push((this.int(0x10000) | 0x10000).toString(16).slice(1));
    const s = groups.join('');
    return s.length === digits ? s : s.slice(0, digits);
  }
}

/** A 32-bit seed mixed from a base seed and integer salts (splitmix-style), for independent streams. */
export function deriveSeed(seed: number, ...salts: number[]): number {
  let h = (seed ^ 0x85ebca6b) >>> 0;
  for (const s of salts) {
    h = Math.imul(h ^ (s >>> 0), 0xcc9e2d51) >>> 0;
    h = ((h << 13) | (h >>> 19)) >>> 0;
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
    h = Math.imul(h ^ Math.floor(s / 4294967296), 0x1b873593) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a string (FNV-1a), to seed streams from names. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}
