import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * No module-level mutable state outside src/cli/ (the style guide): a module's top level holds
 * constants, and state lives in the objects that functions create. Checked on the type-checked
 * program. Like cli/, a worker thread's entry module (one whose top level reads `parentPort` or
 * `workerData`) is its thread's program: it is evaluated once per thread and imported by no module
 * (checked), so its top level is that thread's state, as cli/main.ts is the process's.
 * At the top level of any other module, each is state:
 * - a `let` or `var`;
 * - a `const` holding `new C(…)` for any class C but the standard collections (Map, Set, WeakMap,
 *   WeakSet, arrays, typed arrays, ArrayBuffer, DataView): such an object exists to be used;
 * - a `const` (a collection, a Buffer, an array or object literal, anything) that any function in
 *   src/ writes through its name: assigns to or deletes a property or element of it (`X[k] = v`,
 *   `X.a.b++`), calls a mutating method of a Map, Set, array, typed array or Buffer on it
 *   (`X.set(…)`, `X.push(…)`, `X.fill(…)`), copies into it (`b.copy(X)`, `Object.assign(X, …)`), or
 *   runs a global or sticky regular expression in it (`X.exec(…)`, which moves `X.lastIndex`);
 * - a `static` class property that is not `readonly`.
 * Writes at the top level itself build the constant once at load time and are not state.
 * Not followed: a write through another name (an alias or a parameter the container was passed as).
 */
const SRC = fileURLToPath(new URL('../../../src', import.meta.url));

const COLLECTIONS = new Set([
  'Map', 'Set', 'WeakMap', 'WeakSet', 'Array', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
]);
const MUTATING_METHODS: Record<string, RegExp> = {
  Map: /^(set|delete|clear)$/,
  Set: /^(add|delete|clear)$/,
  WeakMap: /^(set|delete)$/,
  WeakSet: /^(add|delete)$/,
  Array: /^(push|pop|shift|unshift|splice|sort|reverse|fill|copyWithin)$/,
  TypedArray: /^(set|fill|sort|reverse|copyWithin)$/,
  Buffer: /^(set|fill|sort|reverse|copyWithin|write\w*|swap(16|32|64))$/,
  DataView: /^set\w+$/,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

function program(): ts.Program {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(SRC, '..', 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  return ts.createProgram(files(SRC), { ...config!.options, noEmit: true });
}

/** The kind of container a type is, for MUTATING_METHODS. */
function containerKind(checker: ts.TypeChecker, type: ts.Type): string | undefined {
  if (checker.isArrayType(type) || checker.isTupleType(type)) return 'Array';
  const name = (type.getSymbol() ?? type.aliasSymbol)?.getName();
  if (name === undefined) return undefined;
  if (name === 'Buffer' || name === 'Map' || name === 'Set' || name === 'WeakMap' || name === 'WeakSet' || name === 'DataView') return name;
  return /^(Big)?(Int|Uint|Float)(8|16|32|64)(Clamped)?Array$/.test(name) ? 'TypedArray' : undefined;
}

function insideFunction(node: ts.Node): boolean {
  for (let n = node.parent; n && !ts.isSourceFile(n); n = n.parent) if (ts.isFunctionLike(n) || ts.isClassStaticBlockDeclaration(n)) return true;
  return false;
}

const isAssignment = (kind: ts.SyntaxKind) => kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;

/** What `id` (a name of a module-level constant) does to it, when it writes it. */
function writeThrough(checker: ts.TypeChecker, id: ts.Identifier, regexRun: boolean): string | undefined {
  // The outermost property/element access rooted at `id`: `id.a[b].c`.
  let top: ts.Expression = id;
  while ((ts.isPropertyAccessExpression(top.parent) || ts.isElementAccessExpression(top.parent)) && top.parent.expression === top) top = top.parent;
  const parent = top.parent;
  if (top !== id) {
    if (ts.isBinaryExpression(parent) && parent.left === top && isAssignment(parent.operatorToken.kind)) return 'assigns to a member';
    if ((ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) && (parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken)) return 'increments a member';
    if (ts.isDeleteExpression(parent)) return 'deletes a member';
    if (ts.isCallExpression(parent) && parent.expression === top && ts.isPropertyAccessExpression(top)) {
      const method = top.name.text;
      const kind = containerKind(checker, checker.getTypeAtLocation(top.expression));
      if (kind && MUTATING_METHODS[kind].test(method)) return `calls ${method}()`;
      if (regexRun && top.expression === id && (method === 'exec' || method === 'test')) return `runs a global or sticky regular expression (${method}() moves lastIndex)`;
    }
  }
  if (top === id && ts.isCallExpression(parent) && parent.arguments[0] === id && ts.isPropertyAccessExpression(parent.expression)) {
    const callee = parent.expression;
    if (callee.name.text === 'copy' && containerKind(checker, checker.getTypeAtLocation(callee.expression)) === 'Buffer') return 'copies into it';
    if (callee.name.text === 'assign' && ts.isIdentifier(callee.expression) && callee.expression.text === 'Object') return 'assigns into it (Object.assign)';
  }
  return undefined;
}

function moduleStateViolations(): string[] {
  const prog = program();
  const checker = prog.getTypeChecker();
  const sources = prog.getSourceFiles().filter((sf) => sf.fileName.startsWith(SRC));
  const where = (node: ts.Node) => {
    const sf = node.getSourceFile();
    return `${path.relative(SRC, sf.fileName)}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  };
  const violations: string[] = [];
  /** Module-level constants outside cli/, by symbol: whether a regex run moves their state. */
  const constants = new Map<ts.Symbol, { name: string; regexRun: boolean }>();
  const names = new Set<string>();
  const threadEntries = new Set(sources.filter(isThreadEntry));
  for (const sf of sources) {
    for (const statement of sf.statements) {
      if (!ts.isImportDeclaration(statement) || statement.importClause?.isTypeOnly || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const target = path.resolve(path.dirname(sf.fileName), statement.moduleSpecifier.text.replace(/\.js$/, '.ts'));
      const entry = [...threadEntries].find((e) => e.fileName === target);
      if (entry) violations.push(`${where(statement)}: imports the thread entry ${path.relative(SRC, entry.fileName)} (its state would be shared)`);
    }
  }

  for (const sf of sources) {
    if (path.relative(SRC, sf.fileName).split(path.sep)[0] === 'cli' || threadEntries.has(sf)) continue;
    for (const statement of sf.statements) {
      if (ts.isVariableStatement(statement)) {
        const isConst = (statement.declarationList.flags & ts.NodeFlags.Const) !== 0;
        for (const decl of statement.declarationList.declarations) {
          const name = decl.name.getText(sf);
          if (!isConst) {
            violations.push(`${where(decl)} ${name}: a module-level let/var`);
            continue;
          }
          const init = decl.initializer;
          if (init && ts.isNewExpression(init) && !COLLECTIONS.has(init.expression.getText(sf))) {
            violations.push(`${where(decl)} ${name}: a module-level object (new ${init.expression.getText(sf)})`);
            continue;
          }
          if (!ts.isIdentifier(decl.name)) continue;
          const symbol = checker.getSymbolAtLocation(decl.name);
          const regexRun = !!init && ts.isRegularExpressionLiteral(init) && /\/[a-z]*[gy][a-z]*$/.test(init.text);
          if (symbol) constants.set(symbol, { name, regexRun });
          names.add(name);
        }
      } else if (ts.isClassDeclaration(statement)) {
        for (const member of statement.members) {
          const mods = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
          if (ts.isPropertyDeclaration(member) && mods.some((m) => m.kind === ts.SyntaxKind.StaticKeyword) && !mods.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword)) {
            violations.push(`${where(member)} ${statement.name?.text}.${member.name.getText(sf)}: a static property that is not readonly`);
          }
        }
      }
    }
  }

  for (const sf of sources) {
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && names.has(node.text) && insideFunction(node)) {
        let symbol = checker.getSymbolAtLocation(node);
        if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
        const constant = symbol && constants.get(symbol);
        if (constant) {
          const write = writeThrough(checker, node, constant.regexRun);
          const decl = symbol!.valueDeclaration!;
          if (write) violations.push(`${where(decl)} ${constant.name}: module-level state (${where(node)} ${write})`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return [...new Set(violations)].sort();
}

/** A worker thread's entry module: its top level (outside functions) reads parentPort or workerData. */
function isThreadEntry(sf: ts.SourceFile): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isIdentifier(node) && (node.text === 'parentPort' || node.text === 'workerData') && !ts.isImportSpecifier(node.parent)) found = true;
    else ts.forEachChild(node, visit);
  };
  for (const statement of sf.statements) if (!ts.isImportDeclaration(statement)) visit(statement);
  return found;
}

describe('architecture', () => {
  it('keeps no module-level mutable state outside src/cli/', () => {
    expect(moduleStateViolations()).toEqual([]);
  }, 120_000);
});
