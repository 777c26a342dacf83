import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  commentMarker,
  CommentTooLongError,
  MAX_COMMENT_LENGTH,
  resolveCommentAuthor,
  upsertComment,
} from '../../../src/github/comment.js';
import { startGitHubApiServer, type GitHubApiServer } from '../../helpers/github-api-server.js';
import { makePrContext, makeTestClient } from './support.js';

const LIST = 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments';
let server: GitHubApiServer;
beforeEach(async () => {
  server = await startGitHubApiServer();
});
afterEach(async () => {
  expect(server.invalidRequests).toEqual([]);
  await server.close();
});

const marker = commentMarker('security-gate');
const bot = { login: 'github-actions[bot]', type: 'Bot' as const };

describe('upsertComment', () => {
  it('keeps one comment across two runs, updated in place', async () => {
    const { client } = makeTestClient(server);
    const ctx = makePrContext();
    const first = await upsertComment(client, {
      ctx,
      marker,
      body: 'fail: 2 CRITICAL',
      mode: 'create-or-update',
    });
    const second = await upsertComment(client, {
      ctx,
      marker,
      body: 'pass',
      mode: 'create-or-update',
    });
    expect(first.action).toBe('created');
    expect(second).toEqual({ action: 'updated', url: first.url });
    expect(server.state.comments).toHaveLength(1);
    expect(server.state.comments[0]?.body).toBe(`${marker}\npass`);
    expect(first.url).toMatch(/^https:\/\/github\.com\/octo\/app\/pull\/7#issuecomment-\d+$/);
  });

  it('finds its comment behind 120 others, over pages, with one listing', async () => {
    for (let i = 0; i < 60; i++) server.state.addComment(7, `chatter ${i}`);
    const ours = server.state.addComment(7, `${marker}\nold verdict`, bot);
    for (let i = 0; i < 60; i++) server.state.addComment(7, `more chatter ${i}`);
    // Somebody quoting the marker must not be taken for ours.
    server.state.addComment(7, `${marker}\nfake pass`, { login: 'mallory', type: 'User' });
    const { client } = makeTestClient(server);
    const result = await upsertComment(client, {
      ctx: makePrContext(),
      marker,
      body: 'new verdict',
      mode: 'create-or-update',
    });
    expect(result.action).toBe('updated');
    expect(ours.body).toBe(`${marker}\nnew verdict`);
    expect(server.state.comments).toHaveLength(122);
    expect(server.state.requests.filter((r) => r.operation === LIST).length).toBe(1);
  });

  it('pages until it finds a comment on page 2', async () => {
    for (let i = 0; i < 130; i++) server.state.addComment(7, `chatter ${i}`);
    server.state.addComment(7, `${marker}\nold`, bot);
    const { client } = makeTestClient(server);
    const result = await upsertComment(client, {
      ctx: makePrContext(),
      marker,
      body: 'new',
      mode: 'create-or-update',
    });
    expect(result.action).toBe('updated');
    expect(server.state.requests.filter((r) => r.operation === LIST).length).toBe(2);
  });

  it('update-only refreshes an old comment but never creates one', async () => {
    const { client } = makeTestClient(server);
    const ctx = makePrContext();
    expect(await upsertComment(client, { ctx, marker, body: 'pass', mode: 'update-only' })).toEqual(
      { action: 'skipped' },
    );
    expect(server.state.comments).toHaveLength(0);
    server.state.addComment(7, `${marker}\nfail`, bot);
    expect(
      (await upsertComment(client, { ctx, marker, body: 'pass now', mode: 'update-only' })).action,
    ).toBe('updated');
    expect(server.state.comments[0]?.body).toBe(`${marker}\npass now`);
  });

  it('keeps categories apart', async () => {
    const { client } = makeTestClient(server);
    const ctx = makePrContext();
    await upsertComment(client, {
      ctx,
      marker: commentMarker('a'),
      body: 'A',
      mode: 'create-or-update',
    });
    await upsertComment(client, {
      ctx,
      marker: commentMarker('b'),
      body: 'B',
      mode: 'create-or-update',
    });
    expect(server.state.comments).toHaveLength(2);
  });

  it('refuses a body over the limit with a typed error', async () => {
    const { client } = makeTestClient(server);
    const body = 'x'.repeat(MAX_COMMENT_LENGTH - marker.length);
    await expect(
      upsertComment(client, { ctx: makePrContext(), marker, body, mode: 'create-or-update' }),
    ).rejects.toBeInstanceOf(CommentTooLongError);
    expect(server.state.requests).toHaveLength(0);
  });

  it('skips without a pull request', async () => {
    const { client } = makeTestClient(server);
    const ctx = makePrContext({ pullRequest: undefined });
    expect(
      await upsertComment(client, { ctx, marker, body: 'x', mode: 'create-or-update' }),
    ).toEqual({ action: 'skipped' });
  });

  it('matches an explicit login only', async () => {
    server.state.addComment(7, `${marker}\nby a bot`, bot);
    const { client } = makeTestClient(server);
    const result = await upsertComment(client, {
      ctx: makePrContext(),
      marker,
      body: 'mine',
      mode: 'create-or-update',
      author: { login: 'release-bot' },
    });
    expect(result.action).toBe('created');
  });
});

describe('commentMarker', () => {
  /** The category as written into the marker. */
  const encoded = (category: string): string =>
    commentMarker(category)
      .replace(/^<!-- security-gate:/, '')
      .replace(/ -->$/, '');

  it('cannot close the HTML comment early', () => {
    expect(commentMarker('a--><img src=x>')).toBe(
      '<!-- security-gate:a-%2D%3E%3Cimg%20src=x%3E -->',
    );
  });

  it.each([
    ['a--b', 'a-b'],
    ['a<b', 'a_b'],
    ['a>b', 'a_b'],
    ['a b', 'a_b'],
    ['a\nb', 'a_b'],
    ['a%3Cb', 'a<b'],
    ['a---b', 'a--b'],
  ])('keeps %j and %j apart', (one, other) => {
    expect(commentMarker(one)).not.toBe(commentMarker(other));
  });

  it.each([
    'security-gate',
    'images/alpine',
    'a--b',
    'a---b',
    'x -->',
    '50%',
    'a<b>',
    'tab\there',
    'ünï',
  ])('encodes %j reversibly inside one valid HTML comment', (category) => {
    const marker = commentMarker(category);
    expect(decodeURIComponent(encoded(category))).toBe(category);
    const inner = marker.slice('<!--'.length, -'-->'.length);
    expect(inner).not.toContain('--');
    expect(inner).not.toMatch(/[<>\r\n]/);
    expect(inner.startsWith('>') || inner.startsWith('->')).toBe(false);
  });

  it('leaves ordinary categories readable', () => {
    expect(commentMarker('security-gate')).toBe('<!-- security-gate:security-gate -->');
    expect(commentMarker('images/alpine-3.19')).toBe('<!-- security-gate:images/alpine-3.19 -->');
  });
});

describe('upsertComment with an installation token (ghs_)', () => {
  const otherApp = { login: 'other-app[bot]', type: 'Bot' as const };
  const installation = { preferred: 'github-actions[bot]', orAnyBot: true } as const;
  const run = async (body: string) => {
    const { client } = makeTestClient(server);
    return upsertComment(client, {
      ctx: makePrContext(),
      marker,
      body,
      mode: 'create-or-update',
      author: installation,
    });
  };

  it("prefers github-actions[bot]'s marker comment over an older one by another app", async () => {
    const theirs = server.state.addComment(7, `${marker}\nanother app`, otherApp);
    const ours = server.state.addComment(7, `${marker}\nold verdict`, bot);
    expect((await run('new verdict')).action).toBe('updated');
    expect(ours.body).toBe(`${marker}\nnew verdict`);
    expect(theirs.body).toBe(`${marker}\nanother app`);
  });

  it("prefers github-actions[bot]'s comment on a later page", async () => {
    const theirs = server.state.addComment(7, `${marker}\nanother app`, otherApp);
    for (let i = 0; i < 120; i++) server.state.addComment(7, `chatter ${i}`);
    const ours = server.state.addComment(7, `${marker}\nold`, bot);
    expect((await run('new')).action).toBe('updated');
    expect(ours.body).toBe(`${marker}\nnew`);
    expect(theirs.body).toBe(`${marker}\nanother app`);
    expect(server.state.requests.filter((r) => r.operation === LIST).length).toBe(2);
  });

  it("takes another app's marker comment when github-actions[bot] has none (an App token's own)", async () => {
    const theirs = server.state.addComment(7, `${marker}\nold verdict`, otherApp);
    expect((await run('new verdict')).action).toBe('updated');
    expect(theirs.body).toBe(`${marker}\nnew verdict`);
    expect(server.state.comments).toHaveLength(1);
  });

  it("never takes a person's comment that carries the marker", async () => {
    const mallory = server.state.addComment(7, `${marker}\nfake pass`, {
      login: 'mallory',
      type: 'User',
    });
    expect((await run('verdict')).action).toBe('created');
    expect(mallory.body).toBe(`${marker}\nfake pass`);
    expect(server.state.comments).toHaveLength(2);
  });
});

describe('resolveCommentAuthor', () => {
  it('github-actions[bot] first, else any App bot, for installation tokens, without a request', async () => {
    const { client } = makeTestClient(server);
    expect(await resolveCommentAuthor(client, 'ghs_abc')).toEqual({
      preferred: 'github-actions[bot]',
      orAnyBot: true,
    });
    expect(server.state.requests).toHaveLength(0);
  });

  it('the user of a personal token', async () => {
    server.state.actor = { login: 'octocat', type: 'User' };
    const { client } = makeTestClient(server, 'ghp_abc');
    expect(await resolveCommentAuthor(client, 'ghp_abc')).toEqual({ login: 'octocat' });
  });

  it('falls back to the workflow bot when GET /user is refused', async () => {
    const { client } = makeTestClient(server, 'some-token');
    expect(await resolveCommentAuthor(client, 'some-token')).toEqual({
      login: 'github-actions[bot]',
    });
  });
});
