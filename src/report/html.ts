/**
 * The HTML report (SPEC section 11, "HTML report"): one self-contained page
 * that a browser opens with no network. Styles and script are inline, a CSP
 * forbids every request, and the findings table sorts and filters in the
 * page. Pure.
 *
 * Safety: every piece of scanner text goes through `escapeHtml`; the data the
 * script reads sits in a `<script type="application/json">` block with `<`,
 * `>` and `&` written as `\u003c`… so nothing in it can close the element; the
 * script only ever writes text with `textContent`. Every `href` comes from
 * `linkTarget` (links.ts): https, allow-listed advisory hosts, percent-encoded.
 */
import { createHash } from 'node:crypto';
import { SEVERITIES, severityRank, type Finding, type Severity } from '../findings/finding.js';
import type { SeverityOutcome, Verdict } from '../gate/evaluate.js';
import { formatFixes, type UpgradeAdvice, type UpgradePlan } from '../findings/upgrades.js';
import { escapeHtml, linkTarget } from '../util/safe-text.js';
import { advisoryUrl } from './links.js';
import type { ReportView, WaiverEntry, WaiverSummary } from './view.js';

const VERDICT_LABEL: Record<Verdict, string> = {
  pass: 'Passed',
  warn: 'Passed with warnings',
  fail: 'Failed',
  error: 'Error: a scanner could not do its job',
};

const OUTCOME_LABEL: Record<SeverityOutcome, string> = {
  fail: 'fails',
  warn: 'warns',
  pass: 'passes',
  report: 'reported only',
};

const STYLE = `
:root{--crit:#b3261e;--high:#d9622b;--med:#b58900;--low:#2f6db5;--unk:#6b7280;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--head:#f6f8fa}
*{box-sizing:border-box}body{margin:0 auto;max-width:1200px;padding:24px;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta,.muted{color:var(--muted)}.verdict{display:inline-block;padding:4px 12px;border-radius:6px;font-weight:600;color:#fff}
.v-pass{background:#1a7f37}.v-warn{background:#9a6700}.v-fail{background:var(--crit)}.v-error{background:#6e40c9}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--head)}th button{all:unset;cursor:pointer;font-weight:600}th button:focus-visible{outline:2px solid var(--low)}
td.num,th.num{text-align:right}.sev{font-weight:600;white-space:nowrap}.sev-CRITICAL{color:var(--crit)}.sev-HIGH{color:var(--high)}
.sev-MEDIUM{color:var(--med)}.sev-LOW{color:var(--low)}.sev-UNKNOWN{color:var(--unk)}.o-fail{color:var(--crit);font-weight:600}.o-warn{color:#9a6700}
.controls{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:8px 0;padding:8px;background:var(--head);border:1px solid var(--line);border-radius:6px}
.controls label{white-space:nowrap}.controls input[type=search]{min-width:240px;padding:4px}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.tag{display:inline-block;border:1px solid var(--line);border-radius:10px;padding:0 6px;font-size:12px;margin-right:4px}
.chart text{font-size:12px;fill:var(--fg)}td.id code{word-break:normal;white-space:nowrap}ul{margin:4px 0;padding-left:20px}
@media print{body{max-width:none;padding:0;font-size:11px}.controls,th button::after{display:none}a{color:inherit;text-decoration:none}
tr{break-inside:avoid}h2{break-after:avoid}.verdict{border:1px solid #000;color:#000;background:none!important}}
`;

/** The page's behaviour: sort by a column header, filter by severity, scanner, kind and text. */
const SCRIPT = `(function(){
var data=JSON.parse(document.getElementById('sg-data').textContent);
var body=document.getElementById('sg-rows');if(!body)return;
var rows={};Array.prototype.forEach.call(body.rows,function(r){rows[r.getAttribute('data-i')]=r;});
var text=document.getElementById('sg-text'),scanner=document.getElementById('sg-scanner'),kind=document.getElementById('sg-kind');
var boxes=Array.prototype.slice.call(document.querySelectorAll('input[data-severity]'));
var count=document.getElementById('sg-count');var key='rank',dir=1;
function value(f,k){return k==='rank'||k==='cvss'?f[k]:String(f[k]).toLowerCase();}
function compare(a,b){var x=value(a,key),y=value(b,key);return (x<y?-1:x>y?1:0)*dir||a.rank-b.rank||a.i-b.i;}
function matches(f){var sev=boxes.filter(function(b){return b.checked;}).map(function(b){return b.getAttribute('data-severity');});
if(sev.indexOf(f.severity)<0)return false;if(scanner.value&&f.tools.indexOf(scanner.value)<0)return false;
if(kind.value&&f.kind!==kind.value)return false;var q=text.value.trim().toLowerCase();return !q||f.search.indexOf(q)>=0;}
function apply(){var shown=0;data.findings.slice().sort(compare).forEach(function(f){var r=rows[f.i];var ok=matches(f);r.hidden=!ok;if(ok)shown++;body.appendChild(r);});
count.textContent=shown+' of '+data.findings.length+' findings shown';}
Array.prototype.forEach.call(document.querySelectorAll('th[data-sort] button'),function(b){b.addEventListener('click',function(){
var th=b.parentNode,k=th.getAttribute('data-sort');dir=k===key?-dir:1;key=k;
Array.prototype.forEach.call(document.querySelectorAll('th[data-sort]'),function(h){h.removeAttribute('aria-sort');});
th.setAttribute('aria-sort',dir===1?'ascending':'descending');apply();});});
[text,scanner,kind].concat(boxes).forEach(function(c){c.addEventListener('input',apply);c.addEventListener('change',apply);});
apply();})();`;

/** CSP source for the one inline script: its hash, so no other script can run. */
const SCRIPT_HASH = `sha256-${createHash('sha256').update(SCRIPT).digest('base64')}`;

/** The Content-Security-Policy of the page: nothing may be fetched, only our script runs. */
export const HTML_REPORT_CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src '${SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`;

const e = escapeHtml;

/** JSON that is safe inside a `<script>` element: no `<`, `>`, `&` or line separators. */
export function serializeJsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** An anchor whose `href` is always a `linkTarget` (callers pass one or a URL we built). */
function link(label: string, url: string | undefined): string {
  const target = linkTarget(url);
  if (target === undefined) return e(label);
  return `<a href="${e(target)}" rel="noopener noreferrer">${e(label)}</a>`;
}

function stateOf(finding: Finding): string {
  if (finding.waiver) return 'waived';
  return finding.baselineState ?? '';
}

function whereOf(finding: Finding): string {
  if (finding.package)
    return `${finding.package.name}${finding.package.installedVersion ? ` ${finding.package.installedVersion}` : ''}`;
  if (finding.location) return `${finding.location.path}:${finding.location.startLine}`;
  return finding.target ?? '';
}

/** What the script sorts and filters on, one entry per row. */
function rowData(finding: Finding, index: number) {
  const where = whereOf(finding);
  const fix = finding.package?.fixedVersions.join(', ') ?? '';
  return {
    i: index,
    rank: severityRank(finding.severity),
    severity: finding.severity,
    id: finding.ruleId,
    kind: finding.kind,
    where,
    fix,
    title: finding.title,
    tools: finding.tools,
    scanners: finding.tools.join(', '),
    state: stateOf(finding),
    cvss: finding.cvssScore ?? 0,
    search: [
      finding.ruleId,
      ...finding.aliases,
      where,
      fix,
      finding.title,
      finding.target ?? '',
      finding.subTarget ?? '',
    ]
      .join(' ')
      .toLowerCase(),
  };
}

function renderRow(finding: Finding, index: number): string {
  const state = stateOf(finding);
  const where =
    finding.location && finding.package
      ? `${whereOf(finding)} (${finding.location.path})`
      : whereOf(finding);
  const waiver = finding.waiver ? ` title="${e(`waived: ${finding.waiver.reason}`)}"` : '';
  return [
    `<tr data-i="${index}" data-id="${e(finding.id)}">`,
    `<td class="sev sev-${finding.severity}">${finding.severity}</td>`,
    `<td class="id"><code>${link(finding.ruleId, advisoryUrl(finding))}</code></td>`,
    `<td>${e(finding.kind)}</td>`,
    `<td><code>${e(where)}</code></td>`,
    `<td><code>${e(finding.package?.fixedVersions.join(', ') ?? '')}</code></td>`,
    `<td>${e(finding.title)}</td>`,
    `<td>${e(finding.tools.join(', '))}</td>`,
    `<td${waiver}>${e(state)}</td>`,
    '</tr>',
  ].join('');
}

function renderHeader(view: ReportView): string {
  const verdict = view.gate.verdict;
  const links = [
    linkTarget(view.links.runUrl) ? link('workflow run', view.links.runUrl) : '',
    linkTarget(view.links.securityTabUrl)
      ? link('code scanning alerts', view.links.securityTabUrl)
      : '',
  ].filter((l) => l !== '');
  return [
    `<h1>Security Gate <span class="verdict v-${verdict}" id="sg-verdict">${e(VERDICT_LABEL[verdict])}</span></h1>`,
    `<p class="meta">Category <code>${e(view.sarifCategory)}</code> · generated ${e(view.generatedAt)}${links.length > 0 ? ` · ${links.join(' · ')}` : ''}</p>`,
    list('Why it fails', view.gate.reasons),
    list('Warnings', view.gate.warnings),
  ].join('\n');
}

function list(title: string, items: readonly string[]): string {
  if (items.length === 0) return '';
  return `<p><strong>${e(title)}</strong></p><ul>${items.map((item) => `<li>${e(item)}</li>`).join('')}</ul>`;
}

function renderThresholds(view: ReportView): string {
  const { gate } = view;
  const gatedHead = gate.countOnlyNew ? '<th class="num">New</th>' : '';
  const rows = SEVERITIES.map((s) => {
    const threshold = s === 'UNKNOWN' ? 0 : gate.thresholds[s];
    const gated = gate.countOnlyNew ? `<td class="num">${gate.gatedCounts[s]}</td>` : '';
    return `<tr><td class="sev sev-${s}">${s}</td><td class="num">${gate.counts[s]}</td>${gated}<td class="num">${threshold === 0 ? '—' : threshold}</td><td class="o-${gate.outcomes[s]}">${OUTCOME_LABEL[gate.outcomes[s]]}</td></tr>`;
  });
  const baseline = view.baseline
    ? `<p class="muted">Scope: ${e(view.baseline.scope)} — ${e(view.baseline.note)}</p>`
    : '';
  const waived =
    gate.waived > 0 ? `<p class="muted">${gate.waived} waived finding(s) are not counted.</p>` : '';
  return [
    '<h2>Thresholds</h2>',
    `<table id="sg-thresholds"><thead><tr><th>Severity</th><th class="num">Findings</th>${gatedHead}<th class="num">Fails at</th><th>Outcome</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
    baseline,
    waived,
  ].join('\n');
}

const BAR_COLOUR: Record<Severity, string> = {
  CRITICAL: '#b3261e',
  HIGH: '#d9622b',
  MEDIUM: '#b58900',
  LOW: '#2f6db5',
  UNKNOWN: '#6b7280',
};

/** Horizontal bars, one per severity, drawn as inline SVG (no image request). */
export function renderSeverityChart(counts: Record<Severity, number>): string {
  const max = Math.max(1, ...SEVERITIES.map((s) => counts[s]));
  const bars = SEVERITIES.map((s, i) => {
    const y = i * 26;
    const width = Math.round((counts[s] / max) * 400);
    return `<text x="0" y="${y + 16}">${s}</text><rect x="80" y="${y + 3}" width="${width}" height="18" fill="${BAR_COLOUR[s]}"><title>${s}: ${counts[s]}</title></rect><text x="${86 + width}" y="${y + 16}">${counts[s]}</text>`;
  });
  return `<svg class="chart" id="sg-chart" role="img" aria-label="Findings by severity" width="560" height="${SEVERITIES.length * 26}" viewBox="0 0 560 ${SEVERITIES.length * 26}" xmlns="http://www.w3.org/2000/svg">${bars.join('')}</svg>`;
}

function options(values: readonly string[], all: string): string {
  return [
    `<option value="">${e(all)}</option>`,
    ...values.map((v) => `<option value="${e(v)}">${e(v)}</option>`),
  ].join('');
}

function renderFindings(view: ReportView): string {
  if (view.findings.length === 0) return '<h2>Findings</h2><p>No findings.</p>';
  const tools = [...new Set(view.findings.flatMap((f) => f.tools))].sort();
  const kinds = [...new Set(view.findings.map((f) => f.kind))].sort();
  const boxes = SEVERITIES.map(
    (s) =>
      `<label><input type="checkbox" data-severity="${s}" checked> <span class="sev sev-${s}">${s}</span></label>`,
  );
  const head = [
    ['rank', 'Severity'],
    ['id', 'ID'],
    ['kind', 'Kind'],
    ['where', 'Package / location'],
    ['fix', 'Fixed in'],
    ['title', 'Title'],
    ['scanners', 'Scanners'],
    ['state', 'State'],
  ].map(([key, label]) => `<th data-sort="${key}"><button type="button">${label}</button></th>`);
  return [
    '<h2>Findings</h2>',
    `<div class="controls">${boxes.join('')}`,
    `<label>Scanner <select id="sg-scanner">${options(tools, 'all')}</select></label>`,
    `<label>Kind <select id="sg-kind">${options(kinds, 'all')}</select></label>`,
    `<label>Search <input type="search" id="sg-text" placeholder="id, package, path, title"></label>`,
    `<span id="sg-count" class="muted">${view.findings.length} findings</span></div>`,
    `<table id="sg-findings"><thead><tr>${head.join('')}</tr></thead><tbody id="sg-rows">`,
    ...view.findings.map(renderRow),
    '</tbody></table>',
  ].join('\n');
}

function renderUpgrades(plan: UpgradePlan | undefined): string {
  if (plan === undefined || plan.upgrades.length + plan.unfixable.length === 0) return '';
  const { upgrades, unfixable } = plan;
  const row = (u: UpgradeAdvice): string =>
    `<tr><td><code>${e(u.packageName)}</code></td><td><code>${e(u.installedVersion)}</code></td><td><code>${e(u.targetVersion ?? 'no fix yet')}</code></td><td>${e(formatFixes(u.fixes))}</td><td>${e(u.vulnerabilityIds.join(', '))}</td><td>${e(u.target ?? '')}</td></tr>`;
  const table = (rows: readonly UpgradeAdvice[], id: string, fixes: string): string =>
    `<table id="${id}"><thead><tr><th>Package</th><th>Installed</th><th>Upgrade to</th><th>${fixes}</th><th>Vulnerabilities</th><th>Target</th></tr></thead><tbody>${rows.map(row).join('')}</tbody></table>`;
  const count = `${unfixable.length} package${unfixable.length === 1 ? '' : 's'}`;
  return [
    '<h2>What to upgrade</h2>',
    upgrades.length > 0
      ? table(upgrades, 'sg-upgrades', 'Fixes')
      : '<p>No listed upgrade fixes a finding.</p>',
    unfixable.length > 0
      ? `<h3 id="sg-unfixable-title">No fix available yet: ${count}</h3>${table(unfixable, 'sg-unfixable', 'Open')}`
      : '',
  ].join('\n');
}

const WAIVER_GROUPS: Array<[keyof WaiverSummary, string]> = [
  ['needsReview', 'Added or changed by this pull request (review these)'],
  ['expired', 'Expired (their findings count again)'],
  ['expiring', 'Expiring within 14 days'],
  ['used', 'Used'],
  ['unused', 'Unused (matched nothing: remove them?)'],
];

function waiverRow(w: WaiverEntry): string {
  const target = [w.package, w.path].filter((x) => x !== undefined).join(' ');
  return `<tr><td><code>${e(w.id)}</code></td><td><code>${e(target)}</code></td><td>${e(w.reason)}</td><td>${e(w.expires ?? '')}</td><td>${e(w.approvedBy ?? '')}</td><td class="num">${w.matched}</td><td><code>${e(w.origin)}</code></td></tr>`;
}

function renderWaivers(waivers: WaiverSummary | undefined): string {
  if (!waivers) return '';
  const sections = WAIVER_GROUPS.filter(([key]) => waivers[key].length > 0).map(
    ([key, title]) =>
      `<h3>${e(title)}</h3><table data-waivers="${key}"><thead><tr><th>ID</th><th>Package / path</th><th>Reason</th><th>Expires</th><th>Approved by</th><th class="num">Matched</th><th>Origin</th></tr></thead><tbody>${waivers[key].map(waiverRow).join('')}</tbody></table>`,
  );
  return sections.length > 0 ? ['<h2>Waivers</h2>', ...sections].join('\n') : '';
}

function renderRuns(view: ReportView): string {
  const scanners = view.scanners.map(
    (s) =>
      `<tr><td>${e(s.tool)}</td><td>${e(s.version ?? '')}</td><td><code>${e(s.target)}</code></td><td class="num">${s.findingCount}</td><td>${e([s.error ?? '', ...(s.notes ?? [])].filter((x) => x !== '').join(' · '))}</td></tr>`,
  );
  const imports = view.imports.map(
    (i) =>
      `<tr><td>import (${e(i.format)})</td><td></td><td><code>${e(i.file)}</code></td><td class="num">${i.findingCount}</td><td>${e((i.notes ?? []).join(' · '))}</td></tr>`,
  );
  const notes = [
    view.filtered.bySeverity > 0
      ? `${view.filtered.bySeverity} finding(s) left out by the severities filter.`
      : '',
    view.filtered.unfixed > 0
      ? `${view.filtered.unfixed} unfixed finding(s) left out by ignore-unfixed.`
      : '',
    view.sbom
      ? `SBOM: ${view.sbom.path} (${view.sbom.format}, ${view.sbom.packages} packages${view.sbom.version === undefined ? '' : `, by Trivy ${view.sbom.version}`}).`
      : '',
    ...view.sarifTruncation,
  ].filter((n) => n !== '');
  return [
    '<h2>Scanners and reports</h2>',
    `<table><thead><tr><th>Tool</th><th>Version</th><th>Target</th><th class="num">Findings</th><th>Notes</th></tr></thead><tbody>${[...scanners, ...imports].join('')}</tbody></table>`,
    notes.length > 0 ? `<ul>${notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : '',
  ].join('\n');
}

/** Renders the whole report page. */
export function renderHtmlReport(view: ReportView): string {
  // Rows in the view's report order (new before existing within a severity): the
  // page's default sort keeps it, since ties fall back to the row index.
  const data = { findings: view.findings.map(rowData) };
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${HTML_REPORT_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>Security Gate: ${e(VERDICT_LABEL[view.gate.verdict])}</title>`,
    `<style>${STYLE}</style></head><body>`,
    renderHeader(view),
    renderThresholds(view),
    renderSeverityChart(view.gate.counts),
    renderFindings(view),
    renderUpgrades(view.upgrades),
    renderWaivers(view.waivers),
    renderRuns(view),
    `<script type="application/json" id="sg-data">${serializeJsonForScript(data)}</script>`,
    `<script>${SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
