// `node scripts/sbom.mjs --out FILE [--format cyclonedx|spdx]`: the SBOM of the
// action's own production dependencies (what dist/ bundles), for the release.
//
// Why not plain `npm sbom --omit dev`: npm drops a production package when a
// dev dependency also uses it (npm/cli#7909; here yaml, picomatch and semver
// vanish). So the production tree is staged on its own, from the installed
// node_modules and the lockfile's flags (no network), with a package.json that
// declares no dev or optional dependencies, and `npm sbom` runs there. The
// result is checked: every production dependency of package.json must be in it.
import { execFileSync } from 'node:child_process';
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
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    format: { type: 'string', default: 'cyclonedx' },
    root: { type: 'string', default: process.cwd() },
  },
});
if (values.out === undefined || !['cyclonedx', 'spdx'].includes(values.format)) {
  console.error('Usage: node scripts/sbom.mjs --out FILE [--format cyclonedx|spdx]');
  process.exit(2);
}

const root = path.resolve(values.root);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));

// The staging directory is named like the package: npm names the SBOM's root component after it.
const parent = mkdtempSync(path.join(os.tmpdir(), 'security-gate-sbom-'));
const stage = path.join(parent, pkg.name);
try {
  mkdirSync(stage);
  const production = { ...pkg };
  delete production.devDependencies;
  delete production.optionalDependencies;
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(production, null, 2)}\n`);

  // Lockfile entries without dev/optional flags are exactly what `npm ci --omit dev --omit optional` installs.
  for (const [location, entry] of Object.entries(lock.packages ?? {})) {
    if (location === '' || entry.dev || entry.optional || entry.devOptional || entry.link) continue;
    const source = path.join(root, location);
    if (!existsSync(source)) {
      console.error(`${location} is in package-lock.json but not installed: run \`npm ci\` first.`);
      process.exit(1);
    }
    // Nested node_modules are lockfile entries of their own (and may be dev-only).
    cpSync(source, path.join(stage, location), {
      recursive: true,
      filter: (file) => !path.relative(source, file).split(path.sep).includes('node_modules'),
    });
  }

  const sbom = execFileSync(
    'npm',
    ['sbom', '--omit', 'dev', '--omit', 'optional', '--sbom-format', values.format],
    {
      cwd: stage,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const doc = JSON.parse(sbom);
  const names = new Set(
    values.format === 'cyclonedx'
      ? (doc.components ?? []).map((c) => c.name)
      : (doc.packages ?? []).map((p) => p.name),
  );
  const missing = Object.keys(pkg.dependencies ?? {}).filter((name) => !names.has(name));
  if (missing.length > 0) {
    console.error(`The SBOM lacks production dependencies: ${missing.join(', ')}.`);
    process.exit(1);
  }
  const out = path.resolve(values.out);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, sbom.endsWith('\n') ? sbom : `${sbom}\n`);
  console.log(`${path.relative(process.cwd(), out)}: ${values.format}, ${names.size} packages.`);
} finally {
  rmSync(parent, { recursive: true, force: true });
}
