/**
 * A fake GitHub REST API on 127.0.0.1 for tests (and for running the bundled
 * action end to end). Every request is checked against the official OpenAPI
 * description (`@octokit/openapi`): method + path template, path and query
 * parameters, JSON body. A request that fails validation is recorded in
 * `invalidRequests` and answered 422 as GitHub would, so the code under test
 * sees the failure even when a test forgets to look at `invalidRequests`.
 *
 * It keeps state (issue comments with pages and `Link` headers, check runs
 * with their annotations, SARIF uploads decoded), enforces GitHub's limits
 * (422 for more than 50 annotations a request or a comment over 65,536
 * characters; 413 for a SARIF over 10 MB gzipped; 400 for a SARIF over the
 * run, result, rule, location, tag or text limits), serves under a GitHub
 * Enterprise Server base path (`/api/v3`) when asked, and injects faults per
 * test (5xx, read-only 403, 404, rate limits, any status, slow responses).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/* ------------------------------------------------------------------ spec */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Operation {
  key: string;
  method: string;
  template: string;
  regex: RegExp;
  paramNames: string[];
  literalCount: number;
  spec: JsonObject;
}

interface SpecIndex {
  operations: Operation[];
  root: JsonObject;
  ajv: Ajv;
  /** Coerces query/path strings to the declared types. */
  paramAjv: Ajv;
  validators: Map<string, ValidateFunction>;
}

const SPEC_ID = 'https://openapi.github.local/api.github.com.json';
let specIndex: SpecIndex | undefined;

/** Parses the 13 MB description once per process; operations compile lazily. */
function loadSpec(): SpecIndex {
  if (specIndex) return specIndex;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const root = JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(root.paths as JsonObject)) {
    const paramNames = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
    const pattern = template
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\\?\{[^}]+\\?\}/g, '([^/]+)');
    const regex = new RegExp(`^${pattern}$`);
    const literalCount = template.split('/').filter((s) => s !== '' && !s.startsWith('{')).length;
    for (const [method, spec] of Object.entries(item as JsonObject)) {
      if (
        typeof spec !== 'object' ||
        spec === null ||
        Array.isArray(spec) ||
        method === 'parameters'
      )
        continue;
      const upper = method.toUpperCase();
      operations.push({
        key: `${upper} ${template}`,
        method: upper,
        template,
        regex,
        paramNames,
        literalCount,
        spec,
      });
    }
  }
  const components = { $id: SPEC_ID, components: root.components };
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true, logger: false }));
  const paramAjv = addFormats(new Ajv({ strict: false, coerceTypes: true, logger: false }));
  ajv.addSchema(components);
  paramAjv.addSchema(components);
  specIndex = { operations, root, ajv, paramAjv, validators: new Map() };
  return specIndex;
}

function matchOperation(
  index: SpecIndex,
  method: string,
  path: string,
): { op: Operation; params: Record<string, string> } | undefined {
  let best: { op: Operation; params: Record<string, string> } | undefined;
  for (const op of index.operations) {
    if (op.method !== method) continue;
    const match = op.regex.exec(path);
    if (!match) continue;
    if (best && best.op.literalCount >= op.literalCount) continue;
    const params: Record<string, string> = {};
    op.paramNames.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1] ?? '')));
    best = { op, params };
  }
  return best;
}

/** Points local `#/components/...` refs of an operation's schema at the registered spec. */
function rebase(value: Json): Json {
  if (Array.isArray(value)) return value.map(rebase);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${SPEC_ID}${v}` : rebase(v);
  }
  return out;
}

function resolveRef(index: SpecIndex, value: Json): JsonObject {
  let current = value as JsonObject;
  while (typeof current.$ref === 'string') {
    const pointer = current.$ref.replace(/^#\//, '').split('/');
    let target: Json = index.root;
    for (const part of pointer)
      target = (target as JsonObject)[part.replace(/~1/g, '/').replace(/~0/g, '~')] ?? null;
    current = target as JsonObject;
  }
  return current;
}

function compile(
  index: SpecIndex,
  key: string,
  schema: Json,
  forParams: boolean,
): ValidateFunction {
  const cacheKey = `${forParams ? 'p' : 'b'}:${key}`;
  let validate = index.validators.get(cacheKey);
  if (!validate) {
    validate = (forParams ? index.paramAjv : index.ajv).compile(rebase(schema) as object);
    index.validators.set(cacheKey, validate);
  }
  return validate;
}

interface ParsedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Json | undefined;
  rawBody: string;
}

/** Problems with a request, empty when it matches the description. */
function validateRequest(
  index: SpecIndex,
  op: Operation,
  pathParams: Record<string, string>,
  req: ParsedRequest,
): string[] {
  const problems: string[] = [];
  const declared = ((op.spec.parameters as Json[] | undefined) ?? []).map((p) =>
    resolveRef(index, p),
  );
  const check = (where: string, name: string, raw: string | undefined): void => {
    const param = declared.find((p) => p.in === where && p.name === name);
    if (!param) return void problems.push(`unknown ${where} parameter '${name}'`);
    if (raw === undefined) return;
    const holder = { value: raw as Json };
    const validate = compile(
      index,
      `${op.key}:${where}:${name}`,
      { type: 'object', properties: { value: param.schema ?? {} } },
      true,
    );
    if (!validate(holder))
      problems.push(
        `${where} parameter '${name}'=${JSON.stringify(raw)}: ${index.paramAjv.errorsText(validate.errors)}`,
      );
  };
  for (const [name, value] of Object.entries(pathParams)) check('path', name, value);
  for (const name of new Set(req.query.keys()))
    check('query', name, req.query.get(name) ?? undefined);
  for (const p of declared) {
    if (p.required === true && p.in === 'query' && !req.query.has(String(p.name)))
      problems.push(`missing query parameter '${String(p.name)}'`);
  }
  problems.push(...validateBody(index, op, req));
  return problems;
}

function validateBody(index: SpecIndex, op: Operation, req: ParsedRequest): string[] {
  const requestBody = op.spec.requestBody ? resolveRef(index, op.spec.requestBody) : undefined;
  if (!requestBody)
    return req.rawBody.trim() === '' ? [] : ['a body was sent to an operation that takes none'];
  if (req.rawBody.trim() === '')
    return requestBody.required === true ? ['missing request body'] : [];
  if (req.body === undefined) return ['body is not valid JSON'];
  const content = requestBody.content as JsonObject | undefined;
  const schema = (content?.['application/json'] as JsonObject | undefined)?.schema;
  if (schema === undefined) return [];
  const validate = compile(index, `${op.key}:body`, schema, false);
  return validate(req.body)
    ? []
    : [`body: ${index.ajv.errorsText(validate.errors, { separator: '; ' })}`];
}

/* ----------------------------------------------------------------- state */

export interface FakeUser {
  login: string;
  type: 'User' | 'Bot';
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  user: FakeUser;
  createdAt: string;
  updatedAt: string;
}

export interface FakeAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: string;
  message: string;
  title?: string;
  start_column?: number;
  end_column?: number;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion?: string;
  title?: string;
  summary?: string;
  annotations: FakeAnnotation[];
  /** Create + update requests that touched it. */
  requests: number;
}

export interface FakeSarifUpload {
  id: string;
  commitSha: string;
  ref: string;
  /** Decoded: base64 → gunzip → JSON. */
  sarif: unknown;
  gzipBytes: number;
  body: JsonObject;
  polls: number;
}

export interface FakePull {
  number: number;
  state: 'open' | 'closed';
  head: { sha: string; ref: string; repoFullName: string };
  base: { ref: string; repoFullName: string };
}

export interface ServerState {
  /** Identity of the token: author of comments we create. */
  actor: FakeUser;
  comments: FakeComment[];
  checkRuns: FakeCheckRun[];
  sarifs: FakeSarifUpload[];
  pulls: FakePull[];
  /**
   * Code scanning alerts by ref (`refs/heads/main`), as the API returns them;
   * `?state=` keeps those whose `state` is that one, on every page.
   */
  alerts: Record<string, unknown[]>;
  /** Repository files by branch (`main`) and path, for the contents API. */
  files: Record<string, Record<string, string>>;
  /** What GET sarifs/{id} reports once `sarifPendingPolls` polls have passed. */
  sarifOutcome: { status: 'complete' | 'failed'; errors: string[] };
  sarifPendingPolls: number;
  /** Every request: `METHOD /path?query → status`. */
  requests: { method: string; path: string; operation?: string; status: number }[];
  /** Adds a comment as if someone else (or an earlier run) wrote it. */
  addComment(issueNumber: number, body: string, user?: FakeUser): FakeComment;
}

export type FaultType =
  | 'server-error'
  | 'bad-gateway'
  | 'read-only'
  | 'not-found'
  | 'advanced-security-disabled'
  | 'secondary-rate-limit'
  | 'rate-limit-429'
  /** 403 (or `status` 429) with only a `retry-after` header and a plain message. */
  | 'retry-after-only'
  /** 403 "API rate limit exceeded" with `x-ratelimit-remaining: 0` and a reset, no `retry-after`. */
  | 'rate-limit-reset'
  /** Any `status` (409, 413, …) with GitHub's usual body. */
  | 'http-status'
  | 'unprocessable'
  | 'slow';

export interface FaultSpec {
  /** `METHOD /template` as in the description (`POST /repos/{owner}/{repo}/check-runs`) or `*`. */
  route: string;
  type: FaultType;
  /** How many matching requests it hits (default 1). */
  times?: number;
  /** Matching requests let through before it starts hitting (default 0). */
  after?: number;
  /** For rate limits: the `retry-after` seconds (default 1). */
  retryAfterSeconds?: number;
  /** For `http-status` (default 400) and `retry-after-only` (403 or 429, default 403). */
  status?: number;
  /** For `slow`: delay before answering normally. */
  delayMs?: number;
}

export interface FaultControl {
  add(fault: FaultSpec): void;
  clear(): void;
  /** Faults that have not fired yet (times left). */
  pending(): FaultSpec[];
}

export interface GitHubApiServer {
  url: string;
  state: ServerState;
  faults: FaultControl;
  /** Requests that do not match the OpenAPI description (each one line). */
  invalidRequests: string[];
  close(): Promise<void>;
}

/** A custom handler for operations the fake does not implement. */
export type ExtraHandler = (request: {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Json | undefined;
}) => {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
};

export interface GitHubApiServerOptions {
  actor?: FakeUser;
  /** Every write answers 403 "Resource not accessible by integration" (fork / Dependabot token). */
  readOnly?: boolean;
  /** Keyed by `METHOD /template`. */
  handlers?: Record<string, ExtraHandler>;
  /**
   * Serve the API under this path, as GitHub Enterprise Server does
   * (`/api/v3`): `url` ends with it, and requests outside it are refused.
   */
  basePath?: string;
}

/* ---------------------------------------------------------------- limits */

const MAX_ANNOTATIONS_PER_REQUEST = 50;
const MAX_COMMENT_BODY = 65_536;
const MAX_SUMMARY = 65_535;
const MAX_SARIF_GZIP = 10 * 1024 * 1024;
/** GitHub's SARIF limits (docs: "SARIF support for code scanning"; SPEC section 8). */
const SARIF_LIMITS = {
  runs: 20,
  resultsPerRun: 25_000,
  rulesPerRun: 25_000,
  locationsPerResult: 1_000,
  tagsPerRule: 20,
  ruleName: 255,
  description: 1_024,
};

interface SarifRuleShape {
  id?: unknown;
  name?: unknown;
  shortDescription?: { text?: unknown };
  fullDescription?: { text?: unknown };
  properties?: { tags?: unknown };
}
interface SarifRunShape {
  tool?: { driver?: { rules?: SarifRuleShape[] } };
  results?: { locations?: unknown[] }[];
}

/** Where a decoded SARIF breaks GitHub's limits (empty when it is within them). */
export function sarifLimitProblems(sarif: unknown): string[] {
  const runs = (sarif as { runs?: SarifRunShape[] } | null)?.runs;
  if (!Array.isArray(runs)) return ['the SARIF has no runs array'];
  const problems: string[] = [];
  if (runs.length > SARIF_LIMITS.runs)
    problems.push(`${runs.length} runs (at most ${SARIF_LIMITS.runs})`);
  runs.forEach((run, r) => {
    const results = run.results ?? [];
    const rules = run.tool?.driver?.rules ?? [];
    if (results.length > SARIF_LIMITS.resultsPerRun)
      problems.push(`run ${r}: ${results.length} results (at most ${SARIF_LIMITS.resultsPerRun})`);
    if (rules.length > SARIF_LIMITS.rulesPerRun)
      problems.push(`run ${r}: ${rules.length} rules (at most ${SARIF_LIMITS.rulesPerRun})`);
    results.forEach((result, i) => {
      const n = result.locations?.length ?? 0;
      if (n > SARIF_LIMITS.locationsPerResult)
        problems.push(
          `run ${r} result ${i}: ${n} locations (at most ${SARIF_LIMITS.locationsPerResult})`,
        );
    });
    for (const rule of rules) problems.push(...ruleLimitProblems(rule, r));
  });
  return problems;
}

function ruleLimitProblems(rule: SarifRuleShape, run: number): string[] {
  const problems: string[] = [];
  const id = String(rule.id);
  const tags = rule.properties?.tags;
  if (Array.isArray(tags) && tags.length > SARIF_LIMITS.tagsPerRule)
    problems.push(
      `run ${run} rule ${id}: ${tags.length} tags (at most ${SARIF_LIMITS.tagsPerRule})`,
    );
  if (typeof rule.name === 'string' && rule.name.length > SARIF_LIMITS.ruleName)
    problems.push(
      `run ${run} rule ${id}: name of ${rule.name.length} characters (at most ${SARIF_LIMITS.ruleName})`,
    );
  for (const [field, text] of [
    ['shortDescription', rule.shortDescription?.text],
    ['fullDescription', rule.fullDescription?.text],
  ] as const) {
    if (typeof text === 'string' && text.length > SARIF_LIMITS.description)
      problems.push(
        `run ${run} rule ${id}: ${field} of ${text.length} characters (at most ${SARIF_LIMITS.description})`,
      );
  }
  return problems;
}

/* --------------------------------------------------------------- routing */

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface HandlerContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: JsonObject;
  baseUrl: string;
  path: string;
  state: ServerState;
  ids: { next(): number };
  clock: { now(): string };
}

type Handler = (c: HandlerContext) => Reply;

function error(status: number, message: string, headers?: Record<string, string>): Reply {
  return {
    status,
    headers,
    body: { message, documentation_url: 'https://docs.github.com/rest', status: String(status) },
  };
}

function commentJson(c: HandlerContext, comment: FakeComment): JsonObject {
  const { owner, repo } = c.params;
  return {
    id: comment.id,
    node_id: `IC_${comment.id}`,
    url: `${c.baseUrl}/repos/${owner}/${repo}/issues/comments/${comment.id}`,
    html_url: `https://github.com/${owner}/${repo}/pull/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${c.baseUrl}/repos/${owner}/${repo}/issues/${comment.issueNumber}`,
    body: comment.body,
    user: { login: comment.user.login, id: 41898282, type: comment.user.type },
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: 'NONE',
  };
}

function listComments(c: HandlerContext): Reply {
  const issue = Number(c.params.issue_number);
  const all = c.state.comments.filter((x) => x.issueNumber === issue);
  const perPage = Math.min(100, Number(c.query.get('per_page') ?? 30) || 30);
  const page = Math.max(1, Number(c.query.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const link = (p: number, rel: string) =>
    `<${c.baseUrl}${c.path}?per_page=${perPage}&page=${p}>; rel="${rel}"`;
  const links = [
    ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
    ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : []),
  ];
  const slice = all.slice((page - 1) * perPage, page * perPage).map((x) => commentJson(c, x));
  return { status: 200, body: slice, headers: links.length > 0 ? { link: links.join(', ') } : {} };
}

function createComment(c: HandlerContext): Reply {
  const body = String(c.body.body ?? '');
  if (body.length > MAX_COMMENT_BODY)
    return error(422, 'Validation Failed: body is too long (maximum is 65536 characters)');
  const comment = c.state.addComment(Number(c.params.issue_number), body, c.state.actor);
  return { status: 201, body: commentJson(c, comment) };
}

function updateComment(c: HandlerContext): Reply {
  const comment = c.state.comments.find((x) => x.id === Number(c.params.comment_id));
  if (!comment) return error(404, 'Not Found');
  const body = String(c.body.body ?? '');
  if (body.length > MAX_COMMENT_BODY)
    return error(422, 'Validation Failed: body is too long (maximum is 65536 characters)');
  comment.body = body;
  comment.updatedAt = c.clock.now();
  return { status: 200, body: commentJson(c, comment) };
}

function checkRunJson(c: HandlerContext, run: FakeCheckRun): JsonObject {
  const { owner, repo } = c.params;
  return {
    id: run.id,
    head_sha: run.headSha,
    name: run.name,
    status: run.status,
    conclusion: run.conclusion ?? null,
    html_url: `https://github.com/${owner}/${repo}/runs/${run.id}`,
    url: `${c.baseUrl}/repos/${owner}/${repo}/check-runs/${run.id}`,
    output: {
      title: run.title ?? null,
      summary: run.summary ?? null,
      annotations_count: run.annotations.length,
    },
  };
}

/** Applies an `output` object; a 422 reply when it breaks GitHub's limits. */
function applyOutput(run: FakeCheckRun, output: Json | undefined): Reply | undefined {
  if (
    output === undefined ||
    output === null ||
    typeof output !== 'object' ||
    Array.isArray(output)
  )
    return undefined;
  const annotations = (output.annotations as unknown as FakeAnnotation[] | undefined) ?? [];
  if (annotations.length > MAX_ANNOTATIONS_PER_REQUEST) {
    return error(422, 'Invalid request.\n\nOnly 50 annotations are allowed per request.');
  }
  if (typeof output.summary === 'string' && output.summary.length > MAX_SUMMARY) {
    return error(422, 'Invalid request.\n\nsummary is too long (maximum is 65535 characters).');
  }
  run.title = typeof output.title === 'string' ? output.title : run.title;
  run.summary = typeof output.summary === 'string' ? output.summary : run.summary;
  run.annotations.push(...annotations);
  return undefined;
}

function createCheckRun(c: HandlerContext): Reply {
  const run: FakeCheckRun = {
    id: c.ids.next(),
    name: String(c.body.name ?? ''),
    headSha: String(c.body.head_sha ?? ''),
    status: String(c.body.status ?? 'queued'),
    conclusion: typeof c.body.conclusion === 'string' ? c.body.conclusion : undefined,
    annotations: [],
    requests: 1,
  };
  const rejected = applyOutput(run, c.body.output);
  if (rejected) return rejected;
  c.state.checkRuns.push(run);
  return { status: 201, body: checkRunJson(c, run) };
}

function updateCheckRun(c: HandlerContext): Reply {
  const run = c.state.checkRuns.find((r) => r.id === Number(c.params.check_run_id));
  if (!run) return error(404, 'Not Found');
  const rejected = applyOutput(run, c.body.output);
  if (rejected) return rejected;
  run.requests += 1;
  if (typeof c.body.status === 'string') run.status = c.body.status;
  if (typeof c.body.conclusion === 'string') run.conclusion = c.body.conclusion;
  return { status: 200, body: checkRunJson(c, run) };
}

function uploadSarif(c: HandlerContext): Reply {
  let gzipped: Buffer;
  let sarif: unknown;
  try {
    gzipped = Buffer.from(String(c.body.sarif ?? ''), 'base64');
    if (gzipped.length > MAX_SARIF_GZIP)
      return error(413, 'Payload Too Large: the SARIF is over 10 MB gzipped');
    sarif = JSON.parse(gunzipSync(gzipped).toString('utf8'));
  } catch {
    return error(400, 'Invalid request: sarif is not a gzipped, base64-encoded SARIF file');
  }
  const overLimits = sarifLimitProblems(sarif);
  if (overLimits.length > 0)
    return error(
      400,
      `Invalid request: the SARIF is over GitHub's limits: ${overLimits.join('; ')}`,
    );
  const id = `sarif-${c.ids.next()}`;
  c.state.sarifs.push({
    id,
    commitSha: String(c.body.commit_sha),
    ref: String(c.body.ref),
    sarif,
    gzipBytes: gzipped.length,
    body: c.body,
    polls: 0,
  });
  return { status: 202, body: { id, url: `${c.baseUrl}${c.path}/${id}` } };
}

function getSarif(c: HandlerContext): Reply {
  const upload = c.state.sarifs.find((s) => s.id === c.params.sarif_id);
  if (!upload) return error(404, 'Not Found');
  upload.polls += 1;
  if (upload.polls <= c.state.sarifPendingPolls)
    return {
      status: 200,
      body: { processing_status: 'pending', analyses_url: null, errors: null },
    };
  const { status, errors } = c.state.sarifOutcome;
  return {
    status: 200,
    body: {
      processing_status: status,
      analyses_url: null,
      errors: errors.length > 0 ? errors : null,
    },
  };
}

function pullJson(pull: FakePull): JsonObject {
  const side = (x: { sha?: string; ref: string; repoFullName: string }) => ({
    sha: x.sha ?? '',
    ref: x.ref,
    label: `${x.repoFullName.split('/')[0]}:${x.ref}`,
    repo: { full_name: x.repoFullName },
  });
  return { number: pull.number, state: pull.state, head: side(pull.head), base: side(pull.base) };
}

function listPulls(c: HandlerContext): Reply {
  const state = c.query.get('state') ?? 'open';
  const head = c.query.get('head');
  const pulls = c.state.pulls.filter(
    (p) =>
      (state === 'all' || p.state === state) &&
      (head === null || `${p.head.repoFullName.split('/')[0]}:${p.head.ref}` === head),
  );
  return { status: 200, body: pulls.map(pullJson) };
}

function listAlerts(c: HandlerContext): Reply {
  const ref = c.query.get('ref') ?? 'refs/heads/main';
  const perPage = Math.min(100, Number(c.query.get('per_page') ?? 30) || 30);
  const page = Math.max(1, Number(c.query.get('page') ?? 1) || 1);
  const wanted = c.query.get('state');
  const all = (c.state.alerts[ref] ?? []).filter(
    (a) => wanted === null || (a as { state?: unknown }).state === wanted,
  );
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const stateParam = wanted === null ? '' : `&state=${encodeURIComponent(wanted)}`;
  const headers: Record<string, string> =
    page < last
      ? {
          link: `<${c.baseUrl}${c.path}?ref=${encodeURIComponent(ref)}${stateParam}&per_page=${perPage}&page=${page + 1}>; rel="next"`,
        }
      : {};
  return { status: 200, body: all.slice((page - 1) * perPage, page * perPage), headers };
}

/** `GET contents/{path}?ref=`: a file of `state.files` as the API returns one (base64), else 404. */
function getContent(c: HandlerContext): Reply {
  const ref = (c.query.get('ref') ?? 'main').replace(/^refs\/heads\//, '');
  const filePath = c.params.path ?? '';
  const text = c.state.files[ref]?.[filePath];
  if (text === undefined) return error(404, 'Not Found');
  const { owner, repo } = c.params;
  const url = `${c.baseUrl}/repos/${owner}/${repo}/contents/${filePath}?ref=${ref}`;
  const html = `https://github.com/${owner}/${repo}/blob/${ref}/${filePath}`;
  const sha = 'd'.repeat(40);
  return {
    status: 200,
    body: {
      type: 'file',
      encoding: 'base64',
      size: Buffer.byteLength(text),
      name: filePath.split('/').pop() ?? filePath,
      path: filePath,
      content: Buffer.from(text).toString('base64'),
      sha,
      url,
      git_url: `${c.baseUrl}/repos/${owner}/${repo}/git/blobs/${sha}`,
      html_url: html,
      download_url: `https://raw.githubusercontent.com/${owner}/${repo}/${ref}/${filePath}`,
      _links: { self: url, git: `${c.baseUrl}/repos/${owner}/${repo}/git/blobs/${sha}`, html },
    },
  };
}

function getUser(c: HandlerContext): Reply {
  if (c.state.actor.type === 'Bot') return error(403, 'Resource not accessible by integration');
  return { status: 200, body: { login: c.state.actor.login, id: 1, type: 'User' } };
}

const HANDLERS: Record<string, Handler> = {
  'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': listComments,
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': createComment,
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': updateComment,
  'POST /repos/{owner}/{repo}/check-runs': createCheckRun,
  'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': updateCheckRun,
  'POST /repos/{owner}/{repo}/code-scanning/sarifs': uploadSarif,
  'GET /repos/{owner}/{repo}/code-scanning/sarifs/{sarif_id}': getSarif,
  'GET /repos/{owner}/{repo}/pulls': listPulls,
  'GET /repos/{owner}/{repo}/code-scanning/alerts': listAlerts,
  'GET /repos/{owner}/{repo}/contents/{path}': getContent,
  'GET /user': getUser,
};

/* ---------------------------------------------------------------- faults */

const HTTP_STATUS_MESSAGES: Record<number, string> = {
  400: 'Bad Request',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  503: 'Service Unavailable',
};

function faultReply(fault: FaultSpec): Reply | undefined {
  const retryAfter = String(fault.retryAfterSeconds ?? 1);
  switch (fault.type) {
    case 'server-error':
      return error(500, 'Server Error');
    case 'bad-gateway':
      return error(502, 'Bad Gateway');
    case 'read-only':
      return error(403, 'Resource not accessible by integration');
    case 'not-found':
      return error(404, 'Not Found');
    case 'advanced-security-disabled':
      return error(
        403,
        'Advanced Security must be enabled for this repository to use code scanning.',
      );
    case 'unprocessable':
      return error(422, 'Validation Failed');
    case 'secondary-rate-limit':
      return error(
        403,
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        {
          'retry-after': retryAfter,
        },
      );
    case 'retry-after-only': {
      const status = fault.status ?? 403;
      return error(status, status === 429 ? 'Too Many Requests' : 'Forbidden', {
        'retry-after': retryAfter,
      });
    }
    case 'rate-limit-reset': {
      // Our client waits until the reset plus one second: make that `retryAfter` seconds.
      const reset = String(Math.floor(Date.now() / 1000) + Number(retryAfter) - 1);
      return error(403, 'API rate limit exceeded for installation ID 1.', {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': reset,
      });
    }
    case 'http-status': {
      const status = fault.status ?? 400;
      return error(status, HTTP_STATUS_MESSAGES[status] ?? `HTTP ${status}`);
    }
    case 'rate-limit-429': {
      // plugin-throttling waits until the reset plus one second: make that `retryAfter` seconds.
      const reset = String(Math.floor(Date.now() / 1000) + Number(retryAfter) - 1);
      return error(429, 'API rate limit exceeded', {
        'retry-after': retryAfter,
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': reset,
      });
    }
    case 'slow':
      return undefined;
  }
}

function createFaultControl(): FaultControl & {
  take(operationKey: string): FaultSpec | undefined;
} {
  let faults: (FaultSpec & { left: number; skip: number })[] = [];
  return {
    add: (fault) => void faults.push({ ...fault, left: fault.times ?? 1, skip: fault.after ?? 0 }),
    clear: () => void (faults = []),
    pending: () =>
      faults
        .filter((f) => f.left > 0)
        .map(({ left, skip, ...f }) => ({ ...f, times: left, after: skip })),
    take(operationKey) {
      const fault = faults.find((f) => f.left > 0 && (f.route === '*' || f.route === operationKey));
      if (!fault) return undefined;
      if (fault.skip > 0) {
        fault.skip -= 1;
        return undefined;
      }
      fault.left -= 1;
      return fault;
    },
  };
}

/* ---------------------------------------------------------------- server */

function createState(
  actor: FakeUser,
  clock: { now(): string },
  ids: { next(): number },
): ServerState {
  const state: ServerState = {
    actor,
    comments: [],
    checkRuns: [],
    sarifs: [],
    pulls: [],
    alerts: {},
    files: {},
    sarifOutcome: { status: 'complete', errors: [] },
    sarifPendingPolls: 1,
    requests: [],
    addComment(issueNumber, body, user = { login: 'octocat', type: 'User' }) {
      const at = clock.now();
      const comment = { id: ids.next(), issueNumber, body, user, createdAt: at, updatedAt: at };
      state.comments.push(comment);
      return comment;
    },
  };
  return state;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, reply: Reply): void {
  const headers = { 'content-type': 'application/json; charset=utf-8', ...reply.headers };
  res.writeHead(reply.status, headers);
  res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
}

function parseJson(text: string): Json | undefined {
  try {
    return text.trim() === '' ? undefined : (JSON.parse(text) as Json);
  } catch {
    return undefined;
  }
}

/**
 * Starts the fake API on 127.0.0.1 (random port). Point Octokit's `baseUrl`
 * (or `GITHUB_API_URL`) at `url`.
 */
export async function startGitHubApiServer(
  options: GitHubApiServerOptions = {},
): Promise<GitHubApiServer> {
  const index = loadSpec();
  let tick = Date.parse('2024-01-01T00:00:00Z');
  let id = 1000;
  const clock = { now: () => new Date((tick += 1000)).toISOString() };
  const ids = { next: () => (id += 1) };
  const state = createState(
    options.actor ?? { login: 'github-actions[bot]', type: 'Bot' },
    clock,
    ids,
  );
  const faults = createFaultControl();
  const invalidRequests: string[] = [];
  let baseUrl = '';

  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rawBody = await readBody(req);
    if (basePath !== '' && !url.pathname.startsWith(`${basePath}/`)) {
      invalidRequests.push(`${req.method} ${url.pathname}: outside the API base path ${basePath}`);
      state.requests.push({ method: req.method ?? 'GET', path: url.pathname, status: 404 });
      return send(res, error(404, 'Not Found'));
    }
    const parsed: ParsedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname.slice(basePath.length),
      query: url.searchParams,
      body: parseJson(rawBody),
      rawBody,
    };
    const label = `${parsed.method} ${parsed.path}${url.search}`;
    const reply = await route({ index, parsed, label, auth: req.headers.authorization });
    state.requests.push({
      method: parsed.method,
      path: `${parsed.path}${url.search}`,
      operation: reply.operation,
      status: reply.status,
    });
    send(res, reply);
  };

  const route = async (r: {
    index: SpecIndex;
    parsed: ParsedRequest;
    label: string;
    auth: string | undefined;
  }): Promise<Reply & { operation?: string }> => {
    const matched = matchOperation(r.index, r.parsed.method, r.parsed.path);
    if (!matched) {
      invalidRequests.push(`${r.label}: no such operation in the OpenAPI description`);
      return error(404, 'Not Found');
    }
    const operation = matched.op.key;
    const problems = validateRequest(r.index, matched.op, matched.params, r.parsed);
    for (const problem of problems) invalidRequests.push(`${r.label}: ${problem}`);
    // GitHub refuses what its description does not allow; answering success would hide the bug.
    if (problems.length > 0)
      return { ...error(422, `Invalid request.\n\n${problems.join('\n')}`), operation };
    if (!r.auth) return { ...error(401, 'Requires authentication'), operation };
    const fault = faults.take(operation);
    if (fault?.type === 'slow')
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 1000));
    const injected = fault ? faultReply(fault) : undefined;
    if (injected) return { ...injected, operation };
    if (options.readOnly && r.parsed.method !== 'GET')
      return { ...error(403, 'Resource not accessible by integration'), operation };
    const body = (r.parsed.body ?? {}) as JsonObject;
    const extra = options.handlers?.[operation];
    if (extra)
      return {
        ...extra({ params: matched.params, query: r.parsed.query, body: r.parsed.body }),
        operation,
      };
    const handler = HANDLERS[operation];
    if (!handler) return { ...error(404, `Not implemented by the fake: ${operation}`), operation };
    return {
      ...handler({
        params: matched.params,
        query: r.parsed.query,
        body,
        baseUrl,
        path: r.parsed.path,
        state,
        ids,
        clock,
      }),
      operation,
    };
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      invalidRequests.push(`server error: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) send(res, error(500, 'fake server crashed'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${basePath}`;
  return {
    url: baseUrl,
    state,
    faults: { add: faults.add, clear: faults.clear, pending: faults.pending },
    invalidRequests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
