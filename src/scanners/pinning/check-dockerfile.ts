/**
 * Pinning check for Dockerfiles and Containerfiles: every `FROM` image must
 * carry an `@sha256:` digest. `scratch` and earlier build stages are exempt;
 * images built from `ARG`s are resolved from the defaults of the ARGs
 * declared before the first `FROM` (the only ones `FROM` can see; a default
 * may use an earlier one) and, when that is impossible, reported under a
 * rule of their own, never as pinned. BuildKit heredoc bodies are content,
 * not instructions, and are skipped. Pure.
 */
import type { Finding } from '../../findings/finding.js';
import {
  createPinningFinding,
  hasDigest,
  splitLinesKeepingNumbers,
  type PinningFile,
  type PinningHit,
} from './pinning-finding.js';

/** One logical instruction: continuation lines joined, comments dropped. */
export interface DockerInstruction {
  keyword: string;
  /** Everything after the keyword. */
  args: string;
  /** 1-based line the instruction starts on. */
  line: number;
}

/** Reads the `# escape=` parser directive (only valid before anything else). */
function readEscapeChar(lines: string[]): string {
  for (const line of lines) {
    const directive = /^\s*#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (directive === null) break;
    if (directive[1]?.toLowerCase() === 'escape' && directive[2] === '`') return '`';
  }
  return '\\';
}

/** Instructions whose heredocs BuildKit reads (Dockerfile frontend 1.4+). */
const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);

/** One heredoc opened by an instruction: its terminator, and whether `<<-` strips leading tabs. */
interface Heredoc {
  name: string;
  stripTabs: boolean;
}

/** Splits on whitespace outside quotes, keeping the quotes (enough to find `<<WORD` tokens). */
function shellWords(text: string): string[] {
  return text.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
}

/**
 * The heredocs an instruction opens, in order: `<<EOF`, `<<-EOF`, `<<"EOF"`,
 * `<<'EOF'`, `2<<EOF`, several on one line. Tokens inside quotes are not.
 */
function readHeredocs(instruction: DockerInstruction): Heredoc[] {
  if (!HEREDOC_KEYWORDS.has(instruction.keyword)) return [];
  const heredocs: Heredoc[] = [];
  for (const word of shellWords(instruction.args)) {
    const match = /^\d*<<(-?)(?:"([^"]+)"|'([^']+)'|([^<>|&;()"']+))/.exec(word);
    const name = match?.[2] ?? match?.[3] ?? match?.[4];
    if (match !== null && name !== undefined) heredocs.push({ name, stripTabs: match[1] === '-' });
  }
  return heredocs;
}

/**
 * Index of the first line after the heredoc bodies that start at `from`.
 * A heredoc that is never closed skips nothing: BuildKit refuses such a
 * file, and reading on can only report more, never hide a `FROM`.
 */
function skipHeredocBodies(lines: string[], from: number, heredocs: Heredoc[]): number {
  let index = from;
  for (const heredoc of heredocs) {
    const isEnd = (raw: string): boolean =>
      (heredoc.stripTabs ? raw.replace(/^\t+/, '') : raw) === heredoc.name;
    const end = lines.findIndex((raw, at) => at >= index && isEnd(raw));
    if (end === -1) return from;
    index = end + 1;
  }
  return index;
}

/**
 * Splits a Dockerfile into instructions, joining lines that end in the
 * escape character. Heredoc bodies are file content or script, not
 * instructions: a `FROM` line inside one is skipped.
 */
export function readDockerInstructions(text: string): DockerInstruction[] {
  const lines = splitLinesKeepingNumbers(text);
  const escape = readEscapeChar(lines);
  const instructions: DockerInstruction[] = [];
  let pending: { text: string; line: number } | undefined;
  let index = 0;
  while (index < lines.length) {
    const trimmed = (lines[index] ?? '').trim();
    index += 1;
    // Docker drops comment and empty lines, also inside a continuation.
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const continues = trimmed.endsWith(escape);
    const body = continues ? trimmed.slice(0, -1) : trimmed;
    pending =
      pending === undefined
        ? { text: body, line: index }
        : { ...pending, text: `${pending.text} ${body}` };
    if (continues) continue;
    const instruction = toInstruction(pending.text, pending.line);
    instructions.push(instruction);
    pending = undefined;
    index = skipHeredocBodies(lines, index, readHeredocs(instruction));
  }
  if (pending !== undefined) instructions.push(toInstruction(pending.text, pending.line));
  return instructions;
}

function toInstruction(text: string, line: number): DockerInstruction {
  const match = /^(\S+)\s*(.*)$/.exec(text.trim());
  return { keyword: (match?.[1] ?? '').toUpperCase(), args: (match?.[2] ?? '').trim(), line };
}

function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1$/.exec(value);
  return quoted ? (quoted[2] ?? '') : value;
}

/** `ARG NAME`, `ARG NAME=value`, `ARG A=1 B="two"`: name → default (undefined = no default). */
export function readArgDefaults(args: string): Array<[string, string | undefined]> {
  const result: Array<[string, string | undefined]> = [];
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("[^"]*"|'[^']*'|\S*))?/g)) {
    const name = match[1] ?? '';
    result.push([name, match[2] === undefined ? undefined : unquote(match[2])]);
  }
  return result;
}

/**
 * Substitutes `$NAME`, `${NAME}`, `${NAME:-word}` and `${NAME:+word}` the
 * way Docker does. Returns undefined when a variable has no value and no
 * fallback, since the image then depends on a `--build-arg`.
 */
export function substituteArgs(
  text: string,
  args: ReadonlyMap<string, string | undefined>,
): string | undefined {
  let unresolved = false;
  const result = text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (
      _match,
      braced: string | undefined,
      operator: string | undefined,
      word: string | undefined,
      bare: string | undefined,
    ) => {
      const value = args.get(braced ?? bare ?? '');
      if (operator === '-') return value !== undefined && value !== '' ? value : (word ?? '');
      if (operator === '+') return value !== undefined && value !== '' ? (word ?? '') : '';
      if (value === undefined) unresolved = true;
      return value ?? '';
    },
  );
  return unresolved ? undefined : result;
}

interface FromParts {
  image: string;
  stage?: string;
}

/** `FROM [--platform=…] image [AS name]` → image and stage name. */
export function parseFrom(args: string): FromParts | undefined {
  const tokens = args.split(/\s+/).filter((token) => token !== '' && !token.startsWith('--'));
  const image = tokens[0];
  if (image === undefined) return undefined;
  const stage = tokens[1]?.toUpperCase() === 'AS' ? tokens[2] : undefined;
  return stage === undefined ? { image } : { image, stage };
}

interface FromState {
  args: Map<string, string | undefined>;
  stages: Set<string>;
}

function checkFrom(instruction: DockerInstruction, state: FromState): PinningHit | undefined {
  const from = parseFrom(instruction.args);
  if (from === undefined) return undefined;
  const hit = checkImage(from.image, instruction.line, state);
  // Added after the check: `FROM node AS node` does not exempt itself.
  if (from.stage !== undefined) state.stages.add(from.stage.toLowerCase());
  return hit;
}

function checkImage(raw: string, line: number, state: FromState): PinningHit | undefined {
  // A literal digest fixes the content whatever registry a variable names.
  if (hasDigest(raw)) return undefined;
  const resolved = raw.includes('$') ? substituteArgs(raw, state.args) : raw;
  if (resolved === undefined || resolved.trim() === '') {
    return {
      rule: 'unresolved-dockerfile-from',
      line,
      reference: raw,
      detail:
        'It uses a build argument without a default declared before the first FROM, so the image cannot be checked.',
    };
  }
  const lower = resolved.toLowerCase();
  if (lower === 'scratch' || state.stages.has(lower) || hasDigest(resolved)) return undefined;
  const detail = resolved === raw ? undefined : `With the ARG defaults it is '${resolved}'.`;
  return { rule: 'unpinned-dockerfile-from', line, reference: raw, ...(detail ? { detail } : {}) };
}

/**
 * Records global ARGs. A default may use earlier ARGs (`ARG IMG=node@${DIGEST}`),
 * which Docker expands when it reads the line; a default that uses an ARG
 * without a value depends on `--build-arg`, so it stays unknown.
 */
function declareArgs(args: string, known: Map<string, string | undefined>): void {
  for (const [name, value] of readArgDefaults(args)) {
    known.set(name, value === undefined ? undefined : substituteArgs(value, known));
  }
}

/** Checks one Dockerfile; returns a finding per unpinned `FROM`. */
export function checkDockerfile(file: PinningFile): Finding[] {
  const state: FromState = { args: new Map(), stages: new Set() };
  let seenFrom = false;
  const hits: PinningHit[] = [];
  for (const instruction of readDockerInstructions(file.text)) {
    if (instruction.keyword === 'ARG' && !seenFrom) {
      declareArgs(instruction.args, state.args);
    } else if (instruction.keyword === 'FROM') {
      seenFrom = true;
      const hit = checkFrom(instruction, state);
      if (hit !== undefined) hits.push(hit);
    }
  }
  return hits.map((hit) => createPinningFinding(file, hit));
}
