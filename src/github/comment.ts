/**
 * The sticky PR comment: one per `sarif-category`, found by a hidden marker
 * over every page of the PR's comments (and by author, so no person's
 * comment carrying the marker is ever taken over), updated in place.
 */
import { z } from 'zod';
import type { GitHubClient } from './client.js';
import type { RunContext } from './context.js';

/** GitHub refuses issue comment bodies longer than this. */
export const MAX_COMMENT_LENGTH = 65_536;

/** The workflow token's identity (`GET /user` is not allowed for it). */
export const WORKFLOW_TOKEN_LOGIN = 'github-actions[bot]';

/** The body (with its marker) is over GitHub's limit: the renderer must fit it. */
export class CommentTooLongError extends Error {
  override readonly name = 'CommentTooLongError';
  constructor(readonly length: number) {
    super(`comment body is ${length} characters, over GitHub's limit of ${MAX_COMMENT_LENGTH}`);
  }
}

/** Who may own the sticky comment. */
export type CommentAuthor =
  /** Exactly this login (a PAT's user, or `github-actions[bot]`). */
  | { login: string }
  /**
   * An installation token (`ghs_`): the workflow token, whose comments are
   * `github-actions[bot]`'s, or a GitHub App's, whose bot login cannot be
   * asked. A marker comment by `preferred` wins; another bot's is taken only
   * when `preferred` has none (it is then the App's own comment).
   */
  | { preferred: string; orAnyBot: true };

export interface UpsertCommentOptions {
  ctx: RunContext;
  /** From `commentMarker(category)`. */
  marker: string;
  body: string;
  /** `update-only`: the gate passes under `comment: on-failure`; only refresh an old comment. */
  mode: 'create-or-update' | 'update-only';
  /** Defaults to `github-actions[bot]`. */
  author?: CommentAuthor;
}

export interface UpsertCommentResult {
  url?: string;
  action: 'created' | 'updated' | 'skipped';
}

/**
 * The hidden marker that identifies our comment for one category. The
 * category is encoded reversibly (`decodeURIComponent` gives it back), so
 * two categories never share a marker: `%`, `<`, `>`, whitespace and
 * control characters are percent-encoded, and so is every `-` that follows
 * another (`--` would end the HTML comment early). Ordinary categories
 * (`security-gate`, `images/alpine`) read as they are.
 */
export function commentMarker(category: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what gets encoded
  const encoded = category.replace(/[%<>\s\u0000-\u001f\u007f]|(?<=-)-/gu, (ch) =>
    ch === '-' ? '%2D' : encodeURIComponent(ch),
  );
  return `<!-- security-gate:${encoded} -->`;
}

const commentSchema = z.object({
  id: z.number(),
  body: z.string().nullish(),
  html_url: z.string(),
  user: z.object({ login: z.string(), type: z.string().optional() }).nullish(),
});
type Comment = z.infer<typeof commentSchema>;

/**
 * Creates or updates the PR's comment for `marker`. Throws on API errors
 * (publish turns them into a warning) and `CommentTooLongError`.
 */
export async function upsertComment(
  client: GitHubClient,
  options: UpsertCommentOptions,
): Promise<UpsertCommentResult> {
  const { ctx, marker } = options;
  const pr = ctx.pullRequest;
  if (!pr) return { action: 'skipped' };
  const body = options.body.startsWith(marker) ? options.body : `${marker}\n${options.body}`;
  if (body.length > MAX_COMMENT_LENGTH) throw new CommentTooLongError(body.length);

  const existing = await findComment(client, { ...options, issueNumber: pr.number });
  if (existing) {
    const response = await client.rest.issues.updateComment({
      owner: ctx.owner,
      repo: ctx.repo,
      comment_id: existing.id,
      body,
    });
    return { action: 'updated', url: commentSchema.parse(response.data).html_url };
  }
  if (options.mode === 'update-only') return { action: 'skipped' };
  const response = await client.rest.issues.createComment({
    owner: ctx.owner,
    repo: ctx.repo,
    issue_number: pr.number,
    body,
  });
  return { action: 'created', url: commentSchema.parse(response.data).html_url };
}

/**
 * The oldest comment with our marker by our author, searched over all pages
 * (one paginated listing, stopped as soon as the preferred author's is seen).
 */
async function findComment(
  client: GitHubClient,
  options: UpsertCommentOptions & { issueNumber: number },
): Promise<Comment | undefined> {
  const author = options.author ?? { login: WORKFLOW_TOKEN_LOGIN };
  let found: Comment | undefined;
  let fallback: Comment | undefined;
  await client.paginate(
    client.rest.issues.listComments,
    {
      owner: options.ctx.owner,
      repo: options.ctx.repo,
      issue_number: options.issueNumber,
      per_page: 100,
    },
    (response, done) => {
      for (const raw of response.data) {
        const comment = commentSchema.safeParse(raw);
        if (!comment.success) continue;
        const match = matchAuthor(comment.data, options.marker, author);
        if (match === 'fallback') fallback ??= comment.data;
        if (match === 'exact') {
          found = comment.data;
          done();
          break;
        }
      }
      return [];
    },
  );
  return found ?? fallback;
}

/** `exact`: our marker by our author; `fallback`: by another bot, when any bot may do. */
function matchAuthor(
  comment: Comment,
  marker: string,
  author: CommentAuthor,
): 'exact' | 'fallback' | undefined {
  if (!(comment.body ?? '').startsWith(marker)) return undefined;
  const user = comment.user;
  if (!user) return undefined;
  if ('login' in author) return user.login === author.login ? 'exact' : undefined;
  if (user.login === author.preferred) return 'exact';
  return user.type === 'Bot' ? 'fallback' : undefined;
}

const userSchema = z.object({ login: z.string() });

/**
 * Whose comment to look for. Installation tokens (`ghs_`, the workflow
 * token included) cannot call `GET /user`: `github-actions[bot]`'s comment
 * first, else another App bot's (an App token's own). For a personal token
 * its user is asked once; if that fails, the workflow bot is assumed.
 */
export async function resolveCommentAuthor(
  client: GitHubClient,
  token: string,
): Promise<CommentAuthor> {
  if (token.startsWith('ghs_')) return { preferred: WORKFLOW_TOKEN_LOGIN, orAnyBot: true };
  try {
    const response = await client.rest.users.getAuthenticated();
    return { login: userSchema.parse(response.data).login };
  } catch {
    return { login: WORKFLOW_TOKEN_LOGIN };
  }
}
