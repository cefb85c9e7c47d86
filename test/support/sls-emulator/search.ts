/**
 * The subset of the SLS search language jaeger-sls uses (sls.md §5.3), parsed and evaluated in memory:
 * `*`; `key: value` / `key: "phrase"` (quotes with `\"` and `\\` escapes; `*`/`?` literal inside
 * quotes, wildcards in bare words); `key: *` (exists); JSON sub-keys `attribute.http.method: GET`;
 * `key >= n` etc. on long/double keys; `and`, `or`, `not` (also `a not b`), parentheses;
 * free-text terms (phrase over the full-text tokens). Keywords are case-insensitive.
 * Text keys with `token: []` compare whole values; tokenized keys compare token phrases.
 */

export interface KeyIndex {
  type: 'text' | 'long' | 'double' | 'json';
  token?: string[];
  caseSensitive?: boolean;
  /** Analysable by SQL. */
  doc_value?: boolean;
}

export interface IndexConfig {
  line?: { token?: string[]; caseSensitive?: boolean };
  keys?: Record<string, KeyIndex & { json_keys?: Record<string, KeyIndex> }>;
  [k: string]: unknown;
}

export type SearchRow = Record<string, string>;

type Node =
  | { t: 'all' }
  | { t: 'and' | 'or'; a: Node; b: Node }
  | { t: 'not'; a: Node }
  | { t: 'field'; key: string; value: string; quoted: boolean }
  | { t: 'range'; key: string; op: string; value: number }
  | { t: 'text'; value: string; quoted: boolean };

export class SearchSyntaxError extends Error {}

interface Tok {
  k: 'word' | 'str' | 'sym';
  v: string;
}

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= q.length) throw new SearchSyntaxError('unterminated quoted string');
        const d = q[i];
        if (d === '\\' && i + 1 < q.length) {
          s += q[i + 1];
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else {
          s += d;
          i++;
        }
      }
      out.push({ k: 'str', v: s });
    } else if (c === '(' || c === ')') {
      out.push({ k: 'sym', v: c });
      i++;
    } else if (c === ':') {
      out.push({ k: 'sym', v: ':' });
      i++;
    } else if (c === '>' || c === '<' || c === '=') {
      const two = q.slice(i, i + 2);
      const op = two === '>=' || two === '<=' ? two : c;
      out.push({ k: 'sym', v: op });
      i += op.length;
    } else {
      let s = '';
      while (i < q.length && !/[\s"():<>=]/.test(q[i])) s += q[i++];
      out.push({ k: 'word', v: s });
    }
  }
  return out;
}

export function parseSearch(query: string): Node {
  const toks = tokenize(query);
  let p = 0;
  const peek = () => toks[p];
  const isKw = (t: Tok | undefined, kw: string) => t !== undefined && t.k === 'word' && t.v.toLowerCase() === kw;
  const parseOr = (): Node => {
    let a = parseAnd();
    while (isKw(peek(), 'or')) {
      p++;
      a = { t: 'or', a, b: parseAnd() };
    }
    return a;
  };
  const parseAnd = (): Node => {
    let a = parseNot();
    for (;;) {
      if (isKw(peek(), 'and')) {
        p++;
        a = { t: 'and', a, b: parseNot() };
      } else if (isKw(peek(), 'not')) {
        a = { t: 'and', a, b: parseNot() };
      } else return a;
    }
  };
  const parseNot = (): Node => {
    if (isKw(peek(), 'not')) {
      p++;
      return { t: 'not', a: parseNot() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): Node => {
    const t = toks[p++];
    if (!t) throw new SearchSyntaxError('unexpected end of query');
    if (t.k === 'sym' && t.v === '(') {
      const inner = parseOr();
      const close = toks[p++];
      if (!close || close.v !== ')') throw new SearchSyntaxError('missing )');
      return inner;
    }
    if (t.k === 'word' && t.v === '*') return { t: 'all' };
    const next = peek();
    if ((t.k === 'word' || t.k === 'str') && next?.k === 'sym' && next.v === ':') {
      p++;
      const v = toks[p++];
      if (!v || v.k === 'sym') throw new SearchSyntaxError(`missing value after ${t.v}:`);
      return { t: 'field', key: t.v, value: v.v, quoted: v.k === 'str' };
    }
    if (t.k === 'word' && next?.k === 'sym' && ['>', '<', '>=', '<=', '='].includes(next.v)) {
      p++;
      const v = toks[p++];
      if (!v || v.k !== 'word' || !Number.isFinite(Number(v.v))) throw new SearchSyntaxError(`expected a number after ${t.v} ${next.v}`);
      return { t: 'range', key: t.v, op: next.v, value: Number(v.v) };
    }
    if (t.k === 'sym') throw new SearchSyntaxError(`unexpected "${t.v}"`);
    return { t: 'text', value: t.v, quoted: t.k === 'str' };
  };
  const node = parseOr();
  if (p < toks.length) throw new SearchSyntaxError(`unexpected "${toks[p].v}"`);
  return node;
}

export const DEFAULT_TOKENS = [',', ' ', "'", '"', ';', '=', '(', ')', '[', ']', '{', '}', '?', '@', '&', '<', '>', '/', ':', '\n', '\t', '\r'];

function tokens(text: string, delimiters: string[] | undefined): string[] {
  const d = new Set(delimiters ?? DEFAULT_TOKENS);
  const out: string[] = [];
  let cur = '';
  for (const ch of text) {
    if (d.has(ch)) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

function wildcardRegex(word: string): RegExp {
  return new RegExp(`^${word.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
}

function phraseMatch(fieldTokens: string[], valueTokens: string[], wildcard: boolean, caseSensitive: boolean): boolean {
  if (valueTokens.length === 0) return false;
  const norm = (s: string) => (caseSensitive ? s : s.toLowerCase());
  const ft = fieldTokens.map(norm);
  const vt = valueTokens.map(norm);
  const eq = (a: string, b: string) => (wildcard && /[*?]/.test(b) ? wildcardRegex(b).test(a) : a === b);
  for (let i = 0; i + vt.length <= ft.length; i++) {
    let ok = true;
    for (let j = 0; j < vt.length && ok; j++) ok = eq(ft[i + j], vt[j]);
    if (ok) return true;
  }
  return false;
}

/** The value and index of `key` in the row: a column, a JSON sub-key of a json column, or a tag/topic. */
function lookup(row: SearchRow, key: string, index: IndexConfig): { value: string | undefined; spec?: KeyIndex } {
  const keys = index.keys ?? {};
  if (key in row || keys[key]) return { value: row[key], spec: keys[key] };
  const dot = key.indexOf('.');
  if (dot > 0) {
    const base = key.slice(0, dot);
    const spec = keys[base];
    if (spec?.type === 'json' && row[base] !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(row[base]);
      } catch {
        return { value: undefined };
      }
      const sub = key.slice(dot + 1);
      const v = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>)[sub] : undefined;
      const text = v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
      return { value: text, spec: spec.json_keys?.[sub] ?? { type: 'text', token: spec.token, caseSensitive: spec.caseSensitive } };
    }
  }
  return { value: undefined };
}

export function evaluateSearch(node: Node, row: SearchRow, index: IndexConfig): boolean {
  switch (node.t) {
    case 'all':
      return true;
    case 'and':
      return evaluateSearch(node.a, row, index) && evaluateSearch(node.b, row, index);
    case 'or':
      return evaluateSearch(node.a, row, index) || evaluateSearch(node.b, row, index);
    case 'not':
      return !evaluateSearch(node.a, row, index);
    case 'range': {
      const { value } = lookup(row, node.key, index);
      if (value === undefined || value === '') return false;
      const v = Number(value);
      if (!Number.isFinite(v)) return false;
      switch (node.op) {
        case '>':
          return v > node.value;
        case '>=':
          return v >= node.value;
        case '<':
          return v < node.value;
        case '<=':
          return v <= node.value;
        default:
          return v === node.value;
      }
    }
    case 'field': {
      const { value, spec } = lookup(row, node.key, index);
      if (value === undefined) return false;
      if (!node.quoted && node.value === '*') return true;
      const caseSensitive = spec?.caseSensitive ?? false;
      const exact = !spec?.token || spec.token.length === 0 || spec.type === 'long' || spec.type === 'double';
      if (exact) {
        if (!node.quoted && /[*?]/.test(node.value)) return wildcardRegex(node.value).test(value);
        return caseSensitive ? value === node.value : value.toLowerCase() === node.value.toLowerCase();
      }
      return phraseMatch(tokens(value, spec?.token), tokens(node.value, spec?.token), !node.quoted, caseSensitive);
    }
    case 'text': {
      const delims = index.line?.token;
      const vt = tokens(node.value, delims);
      for (const [k, v] of Object.entries(row)) {
        if (k.startsWith('__')) continue;
        if (phraseMatch(tokens(v, delims), vt, !node.quoted, index.line?.caseSensitive ?? false)) return true;
      }
      return false;
    }
  }
}
