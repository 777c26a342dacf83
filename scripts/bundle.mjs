// Builds the two committed bundles: dist/index.js (the action) and dist/cli.js (the CLI).
// Both are ESM; a createRequire banner lets bundled CommonJS dependencies call require().
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const banner = {
  js: "import { createRequire as __sgCreateRequire } from 'node:module'; const require = __sgCreateRequire(import.meta.url);",
};

const ENTRIES = [
  ['src/index.ts', 'dist/index.js'],
  ['src/bin.ts', 'dist/cli.js'],
];

/**
 * Bundles every entry. With `write: false` nothing touches the disk and the
 * outputs are returned as [{ path, text }], which is how check-dist compares.
 */
export async function buildBundles({ write = true } = {}) {
  const outputs = [];
  for (const [entry, outfile] of ENTRIES) {
    const result = await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      sourcemap: true,
      sourcesContent: false,
      legalComments: 'none',
      banner,
      logLevel: 'warning',
      write,
    });
    for (const file of result.outputFiles ?? []) outputs.push({ path: file.path, text: file.text });
  }
  return outputs;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildBundles();
}
