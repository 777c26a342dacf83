/**
 * YAML helpers for the pinning checkers: parse every document with exact
 * line positions, resolve aliases and `<<` merge keys, and walk pairs
 * without looping on recursive anchors. Pure.
 */
import {
  LineCounter,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  type Document,
  type Node,
  type YAMLMap,
} from 'yaml';
import { PinningParseError } from './pinning-finding.js';

/** The parsed documents of one file and the positions of their nodes. */
export interface YamlFile {
  documents: Document.Parsed[];
  lineCounter: LineCounter;
}

/** Parses every document; throws `PinningParseError` at the first syntax error. */
export function parseYamlFile(path: string, text: string): YamlFile {
  const lineCounter = new LineCounter();
  // Documents may start with a BOM; CRLF is handled by the parser itself.
  const parsed = parseAllDocuments(text.replace(/^\uFEFF/, ''), { lineCounter, uniqueKeys: false });
  const documents = Array.isArray(parsed) ? parsed : [];
  for (const document of documents) {
    const error = document.errors[0];
    if (error !== undefined) {
      const line = error.linePos?.[0].line;
      throw new PinningParseError(
        path,
        line,
        `YAML syntax error: ${error.message.split('\n')[0] ?? ''}`,
      );
    }
  }
  return { documents, lineCounter };
}

/** Follows an alias to the node it names (one step is enough: aliases never point at aliases). */
export function resolveNode(node: unknown, document: Document.Parsed): Node | undefined {
  if (isAlias(node)) return node.resolve(document) ?? undefined;
  return isMap(node) || isSeq(node) || isScalar(node) ? node : undefined;
}

/** 1-based line where a node starts. */
export function lineOfNode(node: Node, yaml: YamlFile): number {
  return yaml.lineCounter.linePos(node.range?.[0] ?? 0).line;
}

/** The maps a `<<` value merges in: an alias to a map, or a sequence of them. */
function mergeSources(value: unknown, document: Document.Parsed): YAMLMap[] {
  const resolved = resolveNode(value, document);
  if (isMap(resolved)) return [resolved];
  if (!isSeq(resolved)) return [];
  return resolved.items
    .map((item) => resolveNode(item, document))
    .filter((item): item is YAMLMap => isMap(item));
}

/**
 * The value of `key` in a map, resolved; own keys win over merged ones, as
 * YAML's merge key specifies. `seen` guards against recursive merges.
 */
export function getMapValue(
  map: YAMLMap,
  key: string,
  document: Document.Parsed,
  seen: Set<Node> = new Set(),
): Node | undefined {
  if (seen.has(map)) return undefined;
  seen.add(map);
  const own = map.items.find((pair) => isScalar(pair.key) && pair.key.value === key);
  if (own !== undefined) return resolveNode(own.value, document);
  for (const pair of map.items) {
    if (!isScalar(pair.key) || pair.key.value !== '<<') continue;
    for (const source of mergeSources(pair.value, document)) {
      const found = getMapValue(source, key, document, seen);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The string value of a scalar node, or undefined for anything else. */
export function scalarText(node: Node | undefined): string | undefined {
  if (!isScalar(node)) return undefined;
  return typeof node.value === 'string'
    ? node.value
    : node.value === null
      ? undefined
      : String(node.value);
}

/** The entries of a map (own and merged keys), each value resolved. */
export function mapEntries(map: YAMLMap, document: Document.Parsed): Array<[string, Node]> {
  const keys = new Set<string>();
  const collect = (current: YAMLMap, seen: Set<Node>): void => {
    if (seen.has(current)) return;
    seen.add(current);
    for (const pair of current.items) {
      if (!isScalar(pair.key)) continue;
      if (pair.key.value === '<<')
        mergeSources(pair.value, document).forEach((source) => collect(source, seen));
      else keys.add(String(pair.key.value));
    }
  };
  collect(map, new Set());
  return [...keys].flatMap((key) => {
    const value = getMapValue(map, key, document);
    return value === undefined ? [] : [[key, value] as [string, Node]];
  });
}

/**
 * Calls `visit` for every map reachable from `root` (through sequences,
 * maps and aliases), each once, so recursive anchors cannot loop.
 */
export function visitMaps(
  root: unknown,
  document: Document.Parsed,
  visit: (map: YAMLMap) => void,
): void {
  const seen = new Set<Node>();
  const walk = (value: unknown): void => {
    const node = resolveNode(value, document);
    if (node === undefined || seen.has(node)) return;
    seen.add(node);
    if (isMap(node)) {
      visit(node);
      for (const [, child] of mapEntries(node, document)) walk(child);
    } else if (isSeq(node)) {
      node.items.forEach(walk);
    }
  };
  walk(root);
}
