/**
 * Maven version ordering (`org.apache.maven.artifact.versioning.ComparableVersion`):
 * items split at `.`, `-` and digit/letter transitions; `-` opens a sub-list;
 * qualifiers order alpha < beta < milestone < rc = cr < snapshot <
 * "" = final = ga = release < sp < any other word (alphabetically).
 * The parse follows Maven 3.6's `parseVersion`.
 */

type Item =
  | { kind: 'int'; value: bigint }
  | { kind: 'string'; value: string }
  | { kind: 'list'; items: Item[] };

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const RELEASE_INDEX = String(QUALIFIERS.indexOf(''));

function stringItem(value: string, followedByDigit: boolean): Item {
  let text = value;
  if (followedByDigit && text.length === 1)
    text = { a: 'alpha', b: 'beta', m: 'milestone' }[text] ?? text;
  return { kind: 'string', value: ALIASES[text] ?? text };
}

function parseItem(isDigit: boolean, text: string): Item {
  return isDigit ? { kind: 'int', value: BigInt(text) } : stringItem(text, false);
}

function isNull(item: Item): boolean {
  if (item.kind === 'int') return item.value === 0n;
  if (item.kind === 'string') return item.value === '';
  return item.items.length === 0;
}

/** Drops trailing null items (`1.0.0` = `1`, `1-ga` = `1`), innermost lists first. */
function normalize(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i -= 1) {
    const item = list[i] as Item;
    if (isNull(item)) list.splice(i, 1);
    else if (item.kind !== 'list') break;
  }
}

/** A fresh sub-list appended to `list`, pushed onto the stack. */
function openList(list: Item[], stack: Item[][]): Item[] {
  const child: Item[] = [];
  list.push({ kind: 'list', items: child });
  stack.push(child);
  return child;
}

function parseMaven(version: string): Item {
  const text = version.trim().toLowerCase();
  const root: Item[] = [];
  const stack: Item[][] = [root];
  let list = root;
  let isDigit = false;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charAt(i);
    if (ch === '.' || ch === '-') {
      list.push(
        i === start ? { kind: 'int', value: 0n } : parseItem(isDigit, text.slice(start, i)),
      );
      start = i + 1;
      if (ch === '-') list = openList(list, stack);
    } else if (ch >= '0' && ch <= '9') {
      if (!isDigit && i > start) {
        list.push(stringItem(text.slice(start, i), true));
        start = i;
        list = openList(list, stack);
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(parseItem(true, text.slice(start, i)));
        start = i;
        list = openList(list, stack);
      }
      isDigit = false;
    }
  }
  if (text.length > start) list.push(parseItem(isDigit, text.slice(start)));
  for (let l = stack.pop(); l !== undefined; l = stack.pop()) normalize(l);
  return { kind: 'list', items: root };
}

function qualifierKey(value: string): string {
  const index = QUALIFIERS.indexOf(value);
  return index === -1 ? `${QUALIFIERS.length}-${value}` : String(index);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `ComparableVersion.Item#compareTo`; `b` undefined is Java's `null` (a missing item). */
function compareItem(a: Item, b: Item | undefined): number {
  if (a.kind === 'int') {
    if (b === undefined) return a.value === 0n ? 0 : 1;
    if (b.kind === 'int') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
    return 1;
  }
  if (a.kind === 'string') {
    if (b === undefined) return compareStrings(qualifierKey(a.value), RELEASE_INDEX);
    if (b.kind === 'string') return compareStrings(qualifierKey(a.value), qualifierKey(b.value));
    return -1;
  }
  if (b === undefined) return a.items[0] === undefined ? 0 : compareItem(a.items[0], undefined);
  if (b.kind === 'int') return -1;
  if (b.kind === 'string') return 1;
  const length = Math.max(a.items.length, b.items.length);
  for (let i = 0; i < length; i += 1) {
    const l = a.items[i];
    const r = b.items[i];
    const result =
      l === undefined ? (r === undefined ? 0 : -compareItem(r, undefined)) : compareItem(l, r);
    if (result !== 0) return result;
  }
  return 0;
}

/** Compares two Maven versions; negative, 0 or positive. */
export function compareMaven(a: string, b: string): number {
  return compareItem(parseMaven(a), parseMaven(b));
}
