// Chunks of source code from its tree-sitter syntax tree. Top-level declarations are chunks; a
// container larger than MAX_CHUNK_TOKENS (class, impl, namespace, object, a wrapper function such as a
// UMD factory) becomes a header, its members and a footer, recursively. A function with no nested
// declarations is never split, whatever its size. Comments stay with the declaration that follows them;
// small statements that define nothing notable are grouped.

import type { Node } from 'web-tree-sitter';
import { GROUP_TOKENS, MAX_CHUNK_TOKENS, lineCount, type ChunkKind, type Span } from './chunkTypes';

/** Node types that hold the members of a container, across the shipped grammars. */
const BODY_TYPES = new Set([
  'class_body', 'statement_block', 'object', 'interface_body', 'enum_body', 'object_type', 'block', 'declaration_list',
  'field_declaration_list', 'compound_statement', 'enum_variant_list', 'constructor_body', 'body_statement', 'namespace_body',
]);
/** Node types that are a declaration worth a chunk of its own. */
const DECLARATION = /function|method|class|interface|struct|enum|impl|trait|constructor|module|namespace|macro|type_declaration|type_alias|union|object_declaration|singleton/;
/** Functions and methods: split only when they wrap declarations. */
const FUNCTION_LIKE = /function|method|lambda|closure|arrow|constructor/;
const FUNCTION_VALUE = /^(arrow_function|function|function_expression|generator_function|class|class_expression|lambda|func_literal|closure_expression)$/;
const NAME_TYPES = new Set(['identifier', 'type_identifier', 'field_identifier', 'property_identifier', 'constant', 'name', 'private_property_identifier', 'namespace_identifier']);
/** Statements at least this long are chunks of their own even when they declare nothing. */
const STANDALONE_LINES = 12;
/** How deep to look for the body of a big node (e.g. export > lexical_declaration > declarator > arrow > body). */
const BODY_SEARCH_DEPTH = 6;

interface Boundary {
  row: number;
  kind: ChunkKind;
  names: string[];
  parent?: number;
  splitFunction?: boolean;
}

interface Unit {
  startRow: number;
  endRow: number;
  /** The statement or declaration; undefined for comments with nothing after them. */
  node?: Node;
}

export function spansOfTree(root: Node, starts: readonly number[]): Span[] {
  const lines = lineCount(starts);
  if (lines === 0) return [];
  const boundaries: Boundary[] = [];
  const tokensOf = (u: Unit) => Math.ceil((starts[Math.min(u.endRow + 1, lines)]! - starts[u.startRow]!) / 4);

  const push = (b: Boundary): number => {
    const last = boundaries[boundaries.length - 1];
    // A node that starts on a line the previous chunk already holds joins that chunk: lines are never split.
    if (last && b.row <= last.row) {
      last.names.push(...b.names);
      return boundaries.length - 1;
    }
    boundaries.push(b);
    return boundaries.length - 1;
  };

  const visit = (children: readonly Node[], parent: number | undefined): void => {
    let group: Unit | undefined;
    let groupTokens = 0;
    let groupNames: string[] = [];
    const flush = () => {
      if (group) push({ row: group.startRow, kind: 'group', names: groupNames, parent });
      group = undefined;
      groupTokens = 0;
      groupNames = [];
    };
    for (const unit of units(children)) {
      const names = unit.node ? declaredNames(unit.node) : [];
      const tokens = tokensOf(unit);
      const split = unit.node && tokens > MAX_CHUNK_TOKENS ? splittableBody(unit.node) : undefined;
      if (split) {
        const { body } = split;
        flush();
        const header = push({ row: unit.startRow, kind: 'header', names, parent, ...(split.isFunction ? { splitFunction: true } : {}) });
        const members = body.namedChildren.filter((c): c is Node => c !== null);
        visit(members, header);
        const lastMemberEnd = Math.max(...members.map((c) => c.endPosition.row));
        if (unit.endRow > lastMemberEnd) push({ row: lastMemberEnd + 1, kind: 'footer', names: [], parent: header });
        continue;
      }
      if (unit.node && isStandalone(unit.node, unit)) {
        flush();
        push({ row: unit.startRow, kind: 'block', names, parent });
        continue;
      }
      if (group && groupTokens + tokens > GROUP_TOKENS) flush();
      group ??= unit;
      groupTokens += tokens;
      groupNames.push(...names);
    }
    flush();
  };

  visit(root.namedChildren.filter((c): c is Node => c !== null), undefined);
  if (boundaries.length === 0) return [{ startLine: 0, endLine: lines, kind: 'group', names: [] }];
  // Blank lines before the first statement belong to it.
  boundaries[0]!.row = 0;
  return boundaries.map((b, i) => ({
    startLine: b.row,
    endLine: boundaries[i + 1]?.row ?? lines,
    kind: b.kind,
    names: [...new Set(b.names)],
    ...(b.parent !== undefined ? { parent: b.parent } : {}),
    ...(b.splitFunction ? { splitFunction: true } : {}),
  }));
}

/** Statements with the comments right before them; statements that share a line are one unit. */
function units(children: readonly Node[]): Unit[] {
  const out: Unit[] = [];
  let comments: Unit | undefined;
  for (const node of children) {
    const startRow = node.startPosition.row;
    const endRow = node.endPosition.column === 0 && node.endPosition.row > startRow ? node.endPosition.row - 1 : node.endPosition.row;
    if (node.type.includes('comment')) {
      comments = comments ? { ...comments, endRow } : { startRow, endRow };
      continue;
    }
    const unit: Unit = { startRow: comments?.startRow ?? startRow, endRow, node };
    comments = undefined;
    const last = out[out.length - 1];
    if (last && unit.startRow <= last.endRow) {
      last.endRow = Math.max(last.endRow, unit.endRow);
      continue;
    }
    out.push(unit);
  }
  if (comments) out.push(comments);
  return out;
}

function isStandalone(node: Node, unit: Unit): boolean {
  if (unit.endRow - unit.startRow + 1 >= STANDALONE_LINES) return true;
  return isDeclaration(node);
}

function isDeclaration(node: Node): boolean {
  if (DECLARATION.test(node.type) && !node.type.includes('call')) return true;
  const inner = wrapped(node);
  if (inner.length > 0) return inner.some(isDeclaration);
  return functionValue(node) !== undefined;
}

/** The declarations inside export / decorator / template wrappers. */
function wrapped(node: Node): Node[] {
  if (!/^(export_statement|decorated_definition|template_declaration|attribute_item|annotated_declaration)$/.test(node.type)) return [];
  const inner = node.childForFieldName('declaration') ?? node.childForFieldName('definition');
  return inner ? [inner] : node.namedChildren.filter((c): c is Node => c !== null && !c.type.includes('decorator') && !c.type.includes('comment'));
}

/** For `const f = () => {}`, `exports.f = function () {}`, `f: function () {}`: the function and its name. */
function functionValue(node: Node): { name: string; value: Node } | undefined {
  const declarators = /^(lexical_declaration|variable_declaration)$/.test(node.type) ? node.namedChildren : [node];
  for (const d of declarators) {
    if (!d) continue;
    let target: Node | null = d;
    if (target.type === 'expression_statement') target = target.namedChild(0);
    if (!target) continue;
    // The value first: most statements have none, and each field lookup is a call into the parser's wasm.
    const value = target.childForFieldName('value') ?? target.childForFieldName('right');
    if (!value || !FUNCTION_VALUE.test(value.type)) continue;
    const name = target.childForFieldName('name') ?? target.childForFieldName('left') ?? target.childForFieldName('key');
    if (name) return { name: lastName(name), value };
  }
  return undefined;
}

export function declaredNames(node: Node): string[] {
  const inner = wrapped(node);
  if (inner.length > 0) return inner.flatMap(declaredNames);
  const fn = functionValue(node);
  if (fn) return [fn.name];
  if (/^(lexical_declaration|variable_declaration)$/.test(node.type)) {
    return node.namedChildren.flatMap((d) => {
      const name = d?.childForFieldName('name');
      return name && NAME_TYPES.has(name.type) ? [name.text] : [];
    });
  }
  const named = node.childForFieldName('name') ?? node.childForFieldName('declarator') ?? node.childForFieldName('type');
  if (named) {
    const id = NAME_TYPES.has(named.type) || named.type.endsWith('identifier') ? named : firstName(named);
    return id ? [lastName(id)] : [];
  }
  // Go's type_declaration holds type_spec children, each with a name.
  return node.namedChildren.flatMap((c) => (c?.type.endsWith('_spec') ? declaredNames(c) : []));
}

function firstName(node: Node): Node | undefined {
  for (const c of node.namedChildren) {
    if (!c) continue;
    if (NAME_TYPES.has(c.type) || c.type === 'qualified_identifier' || c.type === 'scoped_identifier') return c;
    if (c.type.includes('parameter')) continue;
    const deeper = firstName(c);
    if (deeper) return deeper;
  }
  return undefined;
}

/** `module.exports.parse` and `ns::Foo::bar` are known by their last part. */
function lastName(node: Node): string {
  return /[\w$]+$/.exec(node.text)?.[0] ?? node.text;
}

/**
 * Where a big node may be split: the body of a container (class, impl, namespace, object), or of a
 * function only when it holds declarations (a module wrapper); a plain function stays whole.
 */
function splittableBody(node: Node): { body: Node; isFunction: boolean } | undefined {
  const body = findBody(node);
  if (!body) return undefined;
  const isFunction = [node, ...wrapped(node)].some((n) => FUNCTION_LIKE.test(n.type) || functionValue(n) !== undefined);
  if (!isFunction) return { body, isFunction };
  return body.namedChildren.some((c) => c !== null && isDeclaration(c)) ? { body, isFunction } : undefined;
}

/** The node holding the members of a big container: followed down the largest child, a few levels deep. */
function findBody(node: Node): Node | undefined {
  let current: Node | null = node;
  for (let depth = 0; current && depth < BODY_SEARCH_DEPTH; depth++) {
    const body: Node | null = current.childForFieldName('body');
    if (body && BODY_TYPES.has(body.type) && body.namedChildCount >= 2) return body;
    if (BODY_TYPES.has(current.type) && current !== node && current.namedChildCount >= 2) return current;
    let largest: Node | null = null;
    for (const c of current.namedChildren) {
      if (c && (!largest || c.endIndex - c.startIndex > largest.endIndex - largest.startIndex)) largest = c;
    }
    current = body ?? largest;
  }
  return undefined;
}
