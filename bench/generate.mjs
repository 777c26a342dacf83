// Deterministic generator of a large Trivy JSON report (SchemaVersion 2) for the benchmark.
//
// Every vulnerability is a deep clone of a real entry of a real Trivy report
// (__tests__/fixtures/shared/trivy/image-fluentd-os-and-gems.json: one Debian
// os-pkgs entry and one RubyGems lang-pkgs entry), so the field shapes are the
// ones Trivy writes. Only the values vary: VulnerabilityID, PkgID/PkgName/PURL,
// InstalledVersion, FixedVersion/Status, Severity, VendorSeverity, CVSS, title,
// references, dates, fingerprints. A seeded PRNG makes the same options produce
// the same bytes.
//
// Use as a module: generateTrivyReport({ vulnerabilities, targets, seed }) -> object
//                  writeTrivyReport(options, file) -> { file, bytes, ... }
// Or standalone:   node bench/generate.mjs [--vulns N] [--targets N] [--seed N] [--out FILE]

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const FIXTURE = resolve(
  HERE,
  '../__tests__/fixtures/shared/trivy/image-fluentd-os-and-gems.json',
);

/** mulberry32: small, fast, deterministic 32-bit PRNG. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)); // inclusive
  const pick = (arr) => arr[Math.floor(next() * arr.length)];
  const hex = (n) => {
    let s = '';
    while (s.length < n)
      s += Math.floor(next() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return s.slice(0, n);
  };
  return { next, int, pick, hex };
}

// Severity mix, roughly what a large, unmaintained monorepo scan looks like.
const SEVERITY_MIX = [
  ['CRITICAL', 0.05],
  ['HIGH', 0.2],
  ['MEDIUM', 0.4],
  ['LOW', 0.25],
  ['UNKNOWN', 0.1],
];
const SEVERITY_NUM = { UNKNOWN: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };
// CVSS v3 base-score bands per severity.
const V3_BAND = { CRITICAL: [9.0, 10.0], HIGH: [7.0, 8.9], MEDIUM: [4.0, 6.9], LOW: [0.1, 3.9] };
const V3_VECTORS = [
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H',
  'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N',
  'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H',
  'CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L',
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L',
];
const V2_VECTORS = [
  'AV:N/AC:L/Au:N/C:P/I:P/A:P',
  'AV:N/AC:M/Au:N/C:N/I:N/A:P',
  'AV:L/AC:L/Au:N/C:C/I:C/A:C',
];
const CWES = [
  'CWE-787',
  'CWE-502',
  'CWE-79',
  'CWE-20',
  'CWE-125',
  'CWE-400',
  'CWE-22',
  'CWE-89',
  'CWE-476',
  'CWE-190',
];
const WORDS = [
  'core',
  'util',
  'http',
  'parser',
  'xml',
  'yaml',
  'json',
  'crypto',
  'ssl',
  'auth',
  'log',
  'net',
  'io',
  'zip',
  'image',
  'template',
  'cache',
  'db',
  'rpc',
  'stream',
  'buffer',
  'url',
  'mime',
  'regex',
  'date',
  'path',
];
const PROBLEMS = [
  'heap-based buffer overflow in',
  'denial of service via crafted input to',
  'path traversal in',
  'deserialization of untrusted data in',
  'prototype pollution in',
  'regular expression denial of service in',
  'out-of-bounds read in',
  'improper certificate validation in',
];

// Target kinds: lockfiles of different ecosystems plus OS package databases.
// tpl 0 = the fixture's os-pkgs (debian) entry, tpl 1 = its lang-pkgs (gem) entry.
const KINDS = [
  {
    type: 'npm',
    file: 'package-lock.json',
    purl: 'npm',
    ds: ['ghsa', 'GitHub Security Advisory npm'],
  },
  { type: 'yarn', file: 'yarn.lock', purl: 'npm', ds: ['ghsa', 'GitHub Security Advisory npm'] },
  {
    type: 'pnpm',
    file: 'pnpm-lock.yaml',
    purl: 'npm',
    ds: ['ghsa', 'GitHub Security Advisory npm'],
  },
  {
    type: 'bundler',
    file: 'Gemfile.lock',
    purl: 'gem',
    ds: ['ghsa', 'GitHub Security Advisory RubyGems'],
  },
  {
    type: 'pip',
    file: 'requirements.txt',
    purl: 'pypi',
    ds: ['ghsa', 'GitHub Security Advisory pip'],
  },
  {
    type: 'pipenv',
    file: 'Pipfile.lock',
    purl: 'pypi',
    ds: ['ghsa', 'GitHub Security Advisory pip'],
  },
  {
    type: 'poetry',
    file: 'poetry.lock',
    purl: 'pypi',
    ds: ['ghsa', 'GitHub Security Advisory pip'],
  },
  {
    type: 'gomod',
    file: 'go.mod',
    purl: 'golang',
    ds: ['govulndb', 'The Go Vulnerability Database'],
  },
  { type: 'cargo', file: 'Cargo.lock', purl: 'cargo', ds: ['osv', 'RustSec Advisory Database'] },
  { type: 'pom', file: 'pom.xml', purl: 'maven', ds: ['ghsa', 'GitHub Security Advisory Maven'] },
  {
    type: 'composer',
    file: 'composer.lock',
    purl: 'composer',
    ds: ['ghsa', 'GitHub Security Advisory Composer'],
  },
  {
    type: 'nuget',
    file: 'packages.lock.json',
    purl: 'nuget',
    ds: ['ghsa', 'GitHub Security Advisory NuGet'],
  },
  { os: 'debian', name: '10.2', purl: 'deb', ds: ['debian', 'Debian Security Tracker'] },
  { os: 'alpine', name: '3.10.9', purl: 'apk', ds: ['alpine', 'Alpine Secdb'] },
];
const DIRS = [
  '',
  'services/api',
  'services/web',
  'packages/ui',
  'tools/cli',
  'apps/admin',
  'libs/common',
  'infra/lambda',
];

function clone(o) {
  return JSON.parse(JSON.stringify(o));
}

function loadTemplates() {
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const os = fixture.Results.find((r) => r.Class === 'os-pkgs');
  const lang = fixture.Results.find((r) => r.Class === 'lang-pkgs');
  if (!os?.Vulnerabilities?.length || !lang?.Vulnerabilities?.length) {
    throw new Error(`fixture ${FIXTURE} no longer has an os-pkgs and a lang-pkgs vulnerability`);
  }
  const head = clone(fixture);
  delete head.Results;
  return { head, osVuln: os.Vulnerabilities[0], langVuln: lang.Vulnerabilities[0] };
}

/** Split `total` into `parts` positive, uneven, deterministic counts. */
function split(total, parts, r) {
  const w = Array.from({ length: parts }, () => 0.2 + r.next() ** 2 * 5);
  const sum = w.reduce((a, b) => a + b, 0);
  const base = parts > total ? 0 : 1;
  const spare = total - base * parts;
  const counts = w.map((x) => base + Math.floor((x / sum) * spare));
  let left = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % parts, left--) counts[i]++;
  return counts;
}

function severity(r) {
  let x = r.next();
  for (const [s, p] of SEVERITY_MIX) {
    if ((x -= p) < 0) return s;
  }
  return 'UNKNOWN';
}

function version(r) {
  return `${r.int(0, 12)}.${r.int(0, 30)}.${r.int(0, 40)}`;
}
function bump(v, r) {
  const [a, b, c] = v.split('.').map(Number);
  return r.next() < 0.7 ? `${a}.${b}.${c + r.int(1, 5)}` : `${a}.${b + 1}.0`;
}

function score(sev, r) {
  const [lo, hi] = V3_BAND[sev];
  return Math.round((lo + r.next() * (hi - lo)) * 10) / 10;
}

/**
 * @param {{vulnerabilities?: number, targets?: number, seed?: number}} [opts]
 * @returns {object} a Trivy JSON report (SchemaVersion 2)
 */
export function generateTrivyReport({ vulnerabilities = 50000, targets = 100, seed = 1 } = {}) {
  if (!(vulnerabilities >= 1 && targets >= 1))
    throw new Error('vulnerabilities and targets must be >= 1');
  const r = prng(seed);
  const { head, osVuln, langVuln } = loadTemplates();
  const counts = split(vulnerabilities, targets, r);
  const report = {
    ...head,
    ArtifactName: 'bench-monorepo',
    ArtifactType: 'repository',
    CreatedAt: '2026-01-01T00:00:00.000000000Z',
    Results: [],
  };
  let serial = 0;
  const refs = osVuln.References.concat(langVuln.References);

  for (let t = 0; t < targets; t++) {
    const kind = KINDS[t % KINDS.length];
    const dir = DIRS[Math.floor(t / KINDS.length) % DIRS.length];
    const copy = Math.floor(t / (KINDS.length * DIRS.length));
    const prefix = [dir, copy ? `copy${copy}` : ''].filter(Boolean).join('/');
    const result = kind.os
      ? {
          Target: `${prefix ? prefix + ' ' : ''}bench-image (${kind.os} ${kind.name})`,
          Class: 'os-pkgs',
          Type: kind.os,
        }
      : {
          Target: [prefix, kind.file].filter(Boolean).join('/'),
          Class: 'lang-pkgs',
          Type: kind.type,
        };
    const vulns = [];
    const tpl = kind.os ? osVuln : langVuln;
    let pkgNo = 0;
    let pkg;
    let left = 0;
    for (let i = 0; i < counts[t]; i++) {
      if (left === 0) {
        // A new package with 1..6 vulnerabilities.
        pkgNo++;
        const name = kind.os
          ? `lib${r.pick(WORDS)}${r.int(1, 9)}-${t}-${pkgNo}`
          : `${r.pick(WORDS)}-${r.pick(WORDS)}-${t}-${pkgNo}`;
        pkg = { name, version: version(r) };
        left = r.int(1, 6);
      }
      left--;
      serial++;
      const v = clone(tpl);
      const sev = severity(r);
      const year = r.int(2015, 2025);
      const id =
        !kind.os && r.next() < 0.15
          ? `GHSA-${r.hex(4)}-${r.hex(4)}-${r.hex(4)}`
          : `CVE-${year}-${String(10000 + serial).padStart(5, '0')}`;
      const fixed = r.next() < 0.85;
      const purl = kind.os
        ? `pkg:${kind.purl}/${kind.os}/${pkg.name}@${pkg.version}?arch=amd64&distro=${kind.os}-${kind.name}`
        : `pkg:${kind.purl}/${pkg.name}@${pkg.version}`;

      v.VulnerabilityID = id;
      if ('VendorIDs' in v) v.VendorIDs = r.next() < 0.5 ? [`DSA-${r.int(1000, 5999)}-1`] : [];
      if ('PkgID' in v) v.PkgID = `${pkg.name}@${pkg.version}`;
      v.PkgName = pkg.name;
      if ('PkgPath' in v) v.PkgPath = `${result.Target}`;
      v.PkgIdentifier = { PURL: purl, UID: r.hex(16) };
      v.InstalledVersion = pkg.version;
      if (fixed) {
        v.FixedVersion =
          r.next() < 0.2
            ? `${bump(pkg.version, r)}, ${bump(pkg.version, r)}`
            : bump(pkg.version, r);
        v.Status = 'fixed';
      } else {
        delete v.FixedVersion;
        v.Status = r.pick(['affected', 'will_not_fix', 'fix_deferred']);
      }
      v.Layer = { Digest: `sha256:${r.hex(64)}`, DiffID: `sha256:${r.hex(64)}` };
      v.SeveritySource = kind.ds[0];
      v.PrimaryURL = id.startsWith('CVE-')
        ? `https://avd.aquasec.com/nvd/${id.toLowerCase()}`
        : `https://github.com/advisories/${id}`;
      v.DataSource = { ...v.DataSource, ID: kind.ds[0], Name: kind.ds[1] };
      v.Fingerprint = `sha256:${r.hex(64)}`;
      const word = r.pick(WORDS);
      v.Title = `${pkg.name}: ${r.pick(PROBLEMS)} ${word} handling`;
      v.Description = `${r.pick(PROBLEMS)} the ${word} module of ${pkg.name} before ${
        v.FixedVersion ?? 'an unreleased version'
      } allows a remote attacker to cause impact via crafted input. (${id})`;
      v.Severity = sev;
      v.CweIDs = r.next() < 0.9 ? [r.pick(CWES)] : [];
      const n = SEVERITY_NUM[sev];
      v.VendorSeverity = { [kind.ds[0]]: n || 1, nvd: Math.max(1, Math.min(4, n + r.int(-1, 1))) };
      if (r.next() < 0.4) v.VendorSeverity.redhat = Math.max(1, Math.min(4, n + r.int(-1, 1)));
      if (sev === 'UNKNOWN') {
        delete v.CVSS;
      } else {
        const s3 = score(sev, r);
        v.CVSS = {
          nvd: {
            V2Vector: r.pick(V2_VECTORS),
            V3Vector: r.pick(V3_VECTORS),
            V2Score: Math.min(10, Math.round((s3 - 1 + r.next() * 2) * 10) / 10),
            V3Score: s3,
          },
        };
        if (r.next() < 0.4) {
          v.CVSS.redhat = {
            V3Vector: r.pick(V3_VECTORS),
            V3Score: Math.max(0.1, Math.min(10, s3 + r.int(-10, 10) / 10)),
          };
        }
      }
      const nRefs = r.int(2, 8);
      const start = r.int(0, refs.length - nRefs);
      v.References = refs.slice(start, start + nRefs).map((u) => u.replace(/CVE-\d{4}-\d+/g, id));
      v.PublishedDate = `${year}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}T17:15:00Z`;
      v.LastModifiedDate = `${Math.min(2025, year + r.int(0, 2))}-06-01T12:15:00Z`;
      vulns.push(v);
    }
    result.Vulnerabilities = vulns;
    report.Results.push(result);
  }
  return report;
}

/**
 * Generate and write a report (2-space indent, as Trivy writes it).
 * @returns {{file: string, bytes: number, vulnerabilities: number, targets: number, severities: object, ms: number}}
 */
export function writeTrivyReport(opts = {}, file) {
  const t0 = performance.now();
  const report = generateTrivyReport(opts);
  const out =
    file ?? join(mkdtempSync(join(tmpdir(), 'security-gate-bench-')), 'trivy-report.json');
  const text = JSON.stringify(report, null, 2) + '\n';
  writeFileSync(out, text);
  const severities = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  let vulnerabilities = 0;
  for (const res of report.Results) {
    for (const v of res.Vulnerabilities) {
      severities[v.Severity]++;
      vulnerabilities++;
    }
  }
  return {
    file: out,
    bytes: Buffer.byteLength(text),
    vulnerabilities,
    targets: report.Results.length,
    severities,
    ms: Math.round(performance.now() - t0),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, def) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : def;
  };
  const info = writeTrivyReport(
    {
      vulnerabilities: Number(opt('--vulns', 50000)),
      targets: Number(opt('--targets', 100)),
      seed: Number(opt('--seed', 1)),
    },
    opt('--out'),
  );
  console.log(JSON.stringify(info, null, 2));
}
