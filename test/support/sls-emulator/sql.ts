/**
 * The subset of SLS SQL (Presto dialect) the jaeger-sls store sends, evaluated in memory:
 *   SELECT [DISTINCT] expr [AS alias], … FROM log [a] [JOIN log b ON …] [WHERE …] [GROUP BY …]
 *   [ORDER BY expr [ASC|DESC], …] [LIMIT n | LIMIT offset, n]
 * Expressions: literals ('…' with '' escape, integers, decimals), column refs ("x" with "" escape,
 * bare names, alias."x"), + - * /, comparisons, AND/OR/NOT, parentheses, IS [NOT] NULL,
 * count(*|expr), count(distinct expr), min, max, sum, avg, json_extract_scalar, strpos, lower, upper.
 * Columns are typed from the index (long/double → number, else string). Output names are lower-cased
 * and every value comes back as a string, as SLS does.
 */
import type { IndexConfig } from './search.js';

export class SqlSyntaxError extends Error {}

type Value = string | number | boolean | null;

type Expr =
  | { t: 'lit'; v: Value }
  | { t: 'col'; table?: string; name: string }
  | { t: 'star' }
  | { t: 'bin'; op: string; a: Expr; b: Expr }
  | { t: 'not'; a: Expr }
  | { t: 'neg'; a: Expr }
  | { t: 'isnull'; a: Expr; negate: boolean }
  | { t: 'call'; name: string; args: Expr[]; distinct: boolean };

interface SelectItem {
  expr: Expr;
  alias?: string;
}

interface Statement {
  distinct: boolean;
  items: SelectItem[];
  from: { alias?: string };
  join?: { alias?: string; on: Expr };
  where?: Expr;
  groupBy: Expr[];
  orderBy: { expr: Expr; desc: boolean }[];
  limit?: number;
  offset: number;
}

interface Tok {
  k: 'id' | 'qid' | 'str' | 'num' | 'op';
  v: string;
}

const KEYWORDS = new Set(['select', 'distinct', 'from', 'where', 'group', 'by', 'order', 'limit', 'offset', 'as', 'and', 'or', 'not', 'join', 'inner', 'on', 'asc', 'desc', 'is', 'null']);

function tokenize(sql: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= sql.length) throw new SqlSyntaxError(`unterminated ${c === "'" ? 'string' : 'identifier'}`);
        if (sql[i] === c) {
          if (sql[i + 1] === c) {
            s += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += sql[i++];
      }
      out.push({ k: c === "'" ? 'str' : 'qid', v: s });
    } else if (/[0-9]/.test(c)) {
      let s = '';
      while (i < sql.length && /[0-9.]/.test(sql[i])) s += sql[i++];
      out.push({ k: 'num', v: s });
    } else if (/[A-Za-z_]/.test(c)) {
      let s = '';
      while (i < sql.length && /[A-Za-z0-9_]/.test(sql[i])) s += sql[i++];
      out.push({ k: 'id', v: s });
    } else {
      const two = sql.slice(i, i + 2);
      if (['<>', '!=', '<=', '>=', '||'].includes(two)) {
        out.push({ k: 'op', v: two });
        i += 2;
      } else if ('=<>+-*/(),.'.includes(c)) {
        out.push({ k: 'op', v: c });
        i++;
      } else throw new SqlSyntaxError(`unexpected character "${c}"`);
    }
  }
  return out;
}

export function parseSql(sql: string): Statement {
  const toks = tokenize(sql);
  let p = 0;
  const kw = (w: string, at = p) => toks[at]?.k === 'id' && toks[at].v.toLowerCase() === w;
  const accept = (w: string) => (kw(w) ? (p++, true) : false);
  const expectKw = (w: string) => {
    if (!accept(w)) throw new SqlSyntaxError(`expected ${w.toUpperCase()} near "${toks[p]?.v ?? 'end'}"`);
  };
  const op = (o: string) => toks[p]?.k === 'op' && toks[p].v === o;
  const expectOp = (o: string) => {
    if (!op(o)) throw new SqlSyntaxError(`expected "${o}" near "${toks[p]?.v ?? 'end'}"`);
    p++;
  };

  const parseExpr = (): Expr => parseOr();
  const parseOr = (): Expr => {
    let a = parseAnd();
    while (accept('or')) a = { t: 'bin', op: 'or', a, b: parseAnd() };
    return a;
  };
  const parseAnd = (): Expr => {
    let a = parseNot();
    while (accept('and')) a = { t: 'bin', op: 'and', a, b: parseNot() };
    return a;
  };
  const parseNot = (): Expr => (accept('not') ? { t: 'not', a: parseNot() } : parseCmp());
  const parseCmp = (): Expr => {
    const a = parseAdd();
    const t = toks[p];
    if (t?.k === 'op' && ['=', '<>', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      p++;
      return { t: 'bin', op: t.v === '!=' ? '<>' : t.v, a, b: parseAdd() };
    }
    if (kw('is')) {
      p++;
      const negate = accept('not');
      expectKw('null');
      return { t: 'isnull', a, negate };
    }
    return a;
  };
  const parseAdd = (): Expr => {
    let a = parseMul();
    while (op('+') || op('-') || op('||')) {
      const o = toks[p++].v;
      a = { t: 'bin', op: o, a, b: parseMul() };
    }
    return a;
  };
  const parseMul = (): Expr => {
    let a = parseUnary();
    while (op('*') || op('/')) {
      const o = toks[p++].v;
      a = { t: 'bin', op: o, a, b: parseUnary() };
    }
    return a;
  };
  const parseUnary = (): Expr => {
    if (op('-')) {
      p++;
      return { t: 'neg', a: parseUnary() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): Expr => {
    const t = toks[p];
    if (!t) throw new SqlSyntaxError('unexpected end of SQL');
    if (t.k === 'str') return p++, { t: 'lit', v: t.v };
    if (t.k === 'num') return p++, { t: 'lit', v: Number(t.v) };
    if (t.k === 'op' && t.v === '(') {
      p++;
      const e = parseExpr();
      expectOp(')');
      return e;
    }
    if (t.k === 'op' && t.v === '*') return p++, { t: 'star' };
    if (t.k === 'qid') {
      p++;
      return { t: 'col', name: t.v };
    }
    if (t.k === 'id') {
      if (kw('null')) return p++, { t: 'lit', v: null };
      if (KEYWORDS.has(t.v.toLowerCase())) throw new SqlSyntaxError(`unexpected ${t.v.toUpperCase()}`);
      p++;
      if (op('(')) {
        p++;
        const args: Expr[] = [];
        const distinct = accept('distinct');
        if (!op(')')) {
          do args.push(parseExpr());
          while (op(',') && (p++, true));
        }
        expectOp(')');
        return { t: 'call', name: t.v.toLowerCase(), args, distinct };
      }
      if (op('.')) {
        p++;
        const c = toks[p++];
        if (!c || (c.k !== 'qid' && c.k !== 'id')) throw new SqlSyntaxError(`expected a column after ${t.v}.`);
        return { t: 'col', table: t.v, name: c.v };
      }
      return { t: 'col', name: t.v };
    }
    throw new SqlSyntaxError(`unexpected "${t.v}"`);
  };
  const parseAlias = (): string | undefined => {
    if (accept('as')) {
      const a = toks[p++];
      if (!a || (a.k !== 'id' && a.k !== 'qid')) throw new SqlSyntaxError('expected an alias after AS');
      return a.v;
    }
    const t = toks[p];
    if (t && (t.k === 'qid' || (t.k === 'id' && !KEYWORDS.has(t.v.toLowerCase())))) return p++, t.v;
    return undefined;
  };
  const parseTable = (): { alias?: string } => {
    const t = toks[p++];
    if (!t || (t.k !== 'id' && t.k !== 'qid') || t.v.toLowerCase() !== 'log') throw new SqlSyntaxError('only FROM log is supported');
    return { alias: parseAlias() };
  };
  const parseInt_ = (): number => {
    const t = toks[p++];
    if (!t || t.k !== 'num' || !/^[0-9]+$/.test(t.v)) throw new SqlSyntaxError('LIMIT expects an integer');
    return Number(t.v);
  };

  expectKw('select');
  const distinct = accept('distinct');
  const items: SelectItem[] = [];
  do items.push({ expr: parseExpr(), alias: kw('from') ? undefined : parseAlias() });
  while (op(',') && (p++, true));
  let from: { alias?: string } = {};
  let join: Statement['join'];
  if (accept('from')) {
    from = parseTable();
    accept('inner');
    if (accept('join')) {
      const j = parseTable();
      expectKw('on');
      join = { alias: j.alias, on: parseExpr() };
    }
  }
  const where = accept('where') ? parseExpr() : undefined;
  const groupBy: Expr[] = [];
  if (accept('group')) {
    expectKw('by');
    do groupBy.push(parseExpr());
    while (op(',') && (p++, true));
  }
  const orderBy: Statement['orderBy'] = [];
  if (accept('order')) {
    expectKw('by');
    do {
      const expr = parseExpr();
      const desc = accept('desc') ? true : (accept('asc'), false);
      orderBy.push({ expr, desc });
    } while (op(',') && (p++, true));
  }
  let limit: number | undefined;
  let offset = 0;
  if (accept('limit')) {
    limit = parseInt_();
    if (op(',')) {
      p++;
      offset = limit;
      limit = parseInt_();
    }
  }
  if (accept('offset')) offset = parseInt_();
  if (p < toks.length) throw new SqlSyntaxError(`unexpected "${toks[p].v}"`);
  return { distinct, items, from, join, where, groupBy, orderBy, limit, offset };
}

// ---------------------------------------------------------------------------------------------

type Row = Record<string, string>;
/** table alias ('' for the single table) → row */
type Env = Map<string, Row>;

const AGGREGATES = new Set(['count', 'min', 'max', 'sum', 'avg']);

function hasAggregate(e: Expr): boolean {
  switch (e.t) {
    case 'call':
      return AGGREGATES.has(e.name) || e.args.some(hasAggregate);
    case 'bin':
      return hasAggregate(e.a) || hasAggregate(e.b);
    case 'not':
    case 'neg':
    case 'isnull':
      return hasAggregate(e.a);
    default:
      return false;
  }
}

/**
 * SLS analyses only keys indexed with doc_value (and the `__time__`-like reserved fields): a query
 * naming another column fails, whatever the rows hold. Throws SqlSyntaxError naming the column.
 */
export function checkSqlColumns(stmt: Statement, index: IndexConfig): void {
  const keys = index.keys ?? {};
  const aliases = new Set(stmt.items.map((i) => i.alias?.toLowerCase()).filter(Boolean));
  const analysable = (name: string): boolean => {
    if (/^__.*__$/.test(name) || name.startsWith('__tag__:')) return true;
    if (keys[name]) return keys[name].doc_value === true;
    const dot = name.indexOf('.');
    return dot > 0 && keys[name.slice(0, dot)]?.type === 'json' && keys[name.slice(0, dot)].doc_value === true;
  };
  const visit = (e: Expr, allowAliases: boolean): void => {
    switch (e.t) {
      case 'col':
        if (!(allowAliases && e.table === undefined && aliases.has(e.name.toLowerCase())) && !analysable(e.name)) {
          throw new SqlSyntaxError(`column "${e.name}" is not indexed for analysis (doc_value)`);
        }
        return;
      case 'bin':
        visit(e.a, allowAliases);
        visit(e.b, allowAliases);
        return;
      case 'not':
      case 'neg':
      case 'isnull':
        visit(e.a, allowAliases);
        return;
      case 'call':
        for (const a of e.args) visit(a, allowAliases);
        return;
      default:
        return;
    }
  };
  for (const item of stmt.items) visit(item.expr, false);
  if (stmt.where) visit(stmt.where, false);
  if (stmt.join) visit(stmt.join.on, false);
  for (const g of stmt.groupBy) visit(g, true);
  for (const o of stmt.orderBy) visit(o.expr, true);
}

export function executeSql(stmt: Statement, rows: readonly Row[], index: IndexConfig): Row[] {
  const keyTypes = index.keys ?? {};
  const typed = (name: string, raw: string | undefined): Value => {
    if (raw === undefined) return null;
    const type = keyTypes[name]?.type;
    if (type === 'long' || type === 'double' || name === '__time__') {
      const n = Number(raw);
      return raw.trim() === '' || !Number.isFinite(n) ? null : n;
    }
    return raw;
  };
  const column = (env: Env, e: { table?: string; name: string }): Value => {
    if (e.table !== undefined) {
      const row = env.get(e.table);
      if (!row) throw new SqlSyntaxError(`unknown table ${e.table}`);
      return typed(e.name, row[e.name]);
    }
    if (env.size === 1) return typed(e.name, env.values().next().value![e.name]);
    throw new SqlSyntaxError(`ambiguous column "${e.name}"`);
  };

  interface Ctx {
    env: Env;
    group?: Env[];
    aliases?: Map<string, Value>;
  }
  const evaluate = (e: Expr, ctx: Ctx): Value => {
    switch (e.t) {
      case 'lit':
        return e.v;
      case 'star':
        return 1;
      case 'col':
        if (e.table === undefined && ctx.aliases?.has(e.name.toLowerCase())) return ctx.aliases.get(e.name.toLowerCase())!;
        return column(ctx.env, e);
      case 'neg': {
        const v = evaluate(e.a, ctx);
        return v === null ? null : -Number(v);
      }
      case 'not': {
        const v = evaluate(e.a, ctx);
        return v === null ? null : !truthy(v);
      }
      case 'isnull': {
        const isNull = evaluate(e.a, ctx) === null;
        return e.negate ? !isNull : isNull;
      }
      case 'bin': {
        if (e.op === 'and') {
          const a = evaluate(e.a, ctx);
          if (a !== null && !truthy(a)) return false;
          const b = evaluate(e.b, ctx);
          if (b !== null && !truthy(b)) return false;
          return a === null || b === null ? null : true;
        }
        if (e.op === 'or') {
          const a = evaluate(e.a, ctx);
          if (a !== null && truthy(a)) return true;
          const b = evaluate(e.b, ctx);
          if (b !== null && truthy(b)) return true;
          return a === null || b === null ? null : false;
        }
        const a = evaluate(e.a, ctx);
        const b = evaluate(e.b, ctx);
        if (a === null || b === null) return null;
        switch (e.op) {
          case '+':
            return Number(a) + Number(b);
          case '-':
            return Number(a) - Number(b);
          case '*':
            return Number(a) * Number(b);
          case '/':
            return Number(a) / Number(b);
          case '||':
            return String(a) + String(b);
          default:
            return compareOp(e.op, a, b);
        }
      }
      case 'call':
        return call(e, ctx);
    }
  };
  const call = (e: Extract<Expr, { t: 'call' }>, ctx: Ctx): Value => {
    if (AGGREGATES.has(e.name)) {
      const group = ctx.group ?? [ctx.env];
      if (e.name === 'count') {
        if (e.args.length === 0 || e.args[0].t === 'star') return group.length;
        const values = group.map((env) => evaluate(e.args[0], { env })).filter((v) => v !== null);
        return e.distinct ? new Set(values.map(String)).size : values.length;
      }
      const values = group.map((env) => evaluate(e.args[0], { env })).filter((v): v is string | number | boolean => v !== null);
      if (values.length === 0) return null;
      if (e.name === 'sum') return values.reduce<number>((s, v) => s + Number(v), 0);
      if (e.name === 'avg') return values.reduce<number>((s, v) => s + Number(v), 0) / values.length;
      return values.reduce((best, v) => (compare(v, best) * (e.name === 'min' ? -1 : 1) > 0 ? v : best));
    }
    const args = e.args.map((a) => evaluate(a, ctx));
    switch (e.name) {
      case 'json_extract_scalar':
        return jsonExtractScalar(args[0], args[1]);
      case 'strpos':
        return args[0] === null || args[1] === null ? null : String(args[0]).indexOf(String(args[1])) + 1;
      case 'lower':
        return args[0] === null ? null : String(args[0]).toLowerCase();
      case 'upper':
        return args[0] === null ? null : String(args[0]).toUpperCase();
      default:
        throw new SqlSyntaxError(`function ${e.name} is not supported`);
    }
  };

  // FROM / JOIN
  const leftAlias = stmt.from.alias ?? '';
  let envs: Env[];
  if (stmt.join) {
    const rightAlias = stmt.join.alias ?? '';
    envs = hashJoin(rows, leftAlias, rightAlias, stmt.join.on, (env) => truthy(evaluate(stmt.join!.on, { env })));
  } else {
    envs = rows.map((r) => new Map([[leftAlias, r]]));
  }
  if (stmt.where) envs = envs.filter((env) => truthy(evaluate(stmt.where!, { env })));

  const aggregate = stmt.groupBy.length > 0 || stmt.items.some((i) => hasAggregate(i.expr));
  const names = stmt.items.map((item, i) => (item.alias ?? (item.expr.t === 'col' ? item.expr.name : `_col${i}`)).toLowerCase());
  let out: { values: Value[]; ctx: Ctx }[] = [];
  if (aggregate) {
    const groups = new Map<string, Env[]>();
    for (const env of envs) {
      const key = JSON.stringify(stmt.groupBy.map((g) => evaluate(g, { env })));
      const list = groups.get(key);
      if (list) list.push(env);
      else groups.set(key, [env]);
    }
    if (groups.size === 0 && stmt.groupBy.length === 0) groups.set('[]', []);
    for (const group of groups.values()) {
      const ctx: Ctx = { env: group[0] ?? new Map([[leftAlias, {}]]), group };
      out.push({ values: stmt.items.map((i) => evaluate(i.expr, ctx)), ctx });
    }
  } else {
    for (const env of envs) {
      const ctx: Ctx = { env };
      out.push({ values: stmt.items.map((i) => evaluate(i.expr, ctx)), ctx });
    }
  }
  if (stmt.distinct) {
    const seen = new Set<string>();
    out = out.filter((r) => {
      const k = JSON.stringify(r.values);
      return seen.has(k) ? false : (seen.add(k), true);
    });
  }
  if (stmt.orderBy.length > 0) {
    const keyed = out.map((r) => {
      const aliases = new Map(names.map((n, i) => [n, r.values[i]] as const));
      const ctx: Ctx = { ...r.ctx, aliases };
      return { r, keys: stmt.orderBy.map((o) => evaluate(o.expr, ctx)) };
    });
    keyed.sort((x, y) => {
      for (let i = 0; i < stmt.orderBy.length; i++) {
        const c = compareNullsLast(x.keys[i], y.keys[i]);
        if (c !== 0) return stmt.orderBy[i].desc ? -c : c;
      }
      return 0;
    });
    out = keyed.map((k) => k.r);
  }
  const limit = stmt.limit ?? 100;
  out = out.slice(stmt.offset, stmt.offset + limit);
  return out.map((r) => {
    const row: Row = {};
    names.forEach((n, i) => (row[n] = formatValue(r.values[i])));
    return row;
  });
}

function hashJoin(rows: readonly Row[], leftAlias: string, rightAlias: string, on: Expr, check: (env: Env) => boolean): Env[] {
  // Equality pairs `x.a = y.b` across the two aliases drive a hash join; the full ON is re-checked.
  const pairs: { left: string; right: string }[] = [];
  const collect = (e: Expr) => {
    if (e.t === 'bin' && e.op === 'and') {
      collect(e.a);
      collect(e.b);
    } else if (e.t === 'bin' && e.op === '=' && e.a.t === 'col' && e.b.t === 'col') {
      if (e.a.table === leftAlias && e.b.table === rightAlias) pairs.push({ left: e.a.name, right: e.b.name });
      else if (e.a.table === rightAlias && e.b.table === leftAlias) pairs.push({ left: e.b.name, right: e.a.name });
    }
  };
  collect(on);
  const out: Env[] = [];
  if (pairs.length === 0) {
    for (const l of rows) for (const r of rows) {
      const env: Env = new Map([[leftAlias, l], [rightAlias, r]]);
      if (check(env)) out.push(env);
    }
    return out;
  }
  const table = new Map<string, Row[]>();
  for (const l of rows) {
    const key = pairs.map((p) => l[p.left] ?? '\u0000null').join('\u0001');
    const list = table.get(key);
    if (list) list.push(l);
    else table.set(key, [l]);
  }
  for (const r of rows) {
    const key = pairs.map((p) => r[p.right] ?? '\u0000null').join('\u0001');
    for (const l of table.get(key) ?? []) {
      const env: Env = new Map([[leftAlias, l], [rightAlias, r]]);
      if (check(env)) out.push(env);
    }
  }
  return out;
}

function truthy(v: Value): boolean {
  return v === true || (typeof v === 'number' && v !== 0) || (typeof v === 'string' && v.toLowerCase() === 'true');
}

function compare(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = Number(a);
    const y = Number(b);
    if (Number.isFinite(x) && Number.isFinite(y)) return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareNullsLast(a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return compare(a, b);
}

function compareOp(op: string, a: Value, b: Value): boolean {
  const c = compare(a, b);
  switch (op) {
    case '=':
      return c === 0;
    case '<>':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    default:
      return c >= 0;
  }
}

/** Presto json_extract_scalar for `$.key`, `$["key"]` (JSON-escaped) and `$[n]` chains. */
export function jsonExtractScalar(json: Value, path: Value): Value {
  if (json === null || path === null) return null;
  let doc: unknown;
  try {
    doc = parseJsonKeepingNumberText(String(json));
  } catch {
    return null;
  }
  const p = String(path);
  if (!p.startsWith('$')) throw new SqlSyntaxError(`invalid JSON path ${p}`);
  let i = 1;
  while (i < p.length) {
    let key: string | number;
    if (p[i] === '.') {
      const m = /^\.([^.[]+)/.exec(p.slice(i));
      if (!m) throw new SqlSyntaxError(`invalid JSON path ${p}`);
      key = m[1];
      i += m[0].length;
    } else if (p[i] === '[' && p[i + 1] === '"') {
      let j = i + 2;
      while (j < p.length && p[j] !== '"') j += p[j] === '\\' ? 2 : 1;
      key = JSON.parse(p.slice(i + 1, j + 1)) as string;
      if (p[j + 1] !== ']') throw new SqlSyntaxError(`invalid JSON path ${p}`);
      i = j + 2;
    } else if (p[i] === '[') {
      const m = /^\[(\d+)\]/.exec(p.slice(i));
      if (!m) throw new SqlSyntaxError(`invalid JSON path ${p}`);
      key = Number(m[1]);
      i += m[0].length;
    } else throw new SqlSyntaxError(`invalid JSON path ${p}`);
    if (doc === null || typeof doc !== 'object') return null;
    doc = (doc as Record<string | number, unknown>)[key];
    if (doc === undefined) return null;
  }
  if (doc instanceof JsonNumber) return doc.text;
  if (doc === null || typeof doc === 'object') return null;
  return typeof doc === 'string' ? doc : String(doc);
}

/** A JSON number as written in the source (Presto's json_extract_scalar returns the source text). */
class JsonNumber {
  constructor(readonly text: string) {}
}

function parseJsonKeepingNumberText(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = Object.create(null);
      ws();
      if (text[i] === '}') return i++, obj;
      for (;;) {
        ws();
        const key = value();
        if (typeof key !== 'string') throw new Error('bad key');
        ws();
        if (text[i++] !== ':') throw new Error('expected :');
        obj[key] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return i++, obj;
        else throw new Error('expected , or }');
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') return i++, arr;
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return i++, arr;
        else throw new Error('expected , or ]');
      }
    }
    if (c === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      return JSON.parse(text.slice(start, i)) as string;
    }
    const m = /^(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) throw new Error('bad JSON');
    i += m[0].length;
    return m[0] === 'true' ? true : m[0] === 'false' ? false : m[0] === 'null' ? null : new JsonNumber(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) throw new Error('trailing JSON');
  return v;
}

function formatValue(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(0) : String(v);
  return String(v);
}
