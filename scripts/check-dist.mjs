// Fails when the committed dist/ differs from a fresh build of src/.
// Used by CI and by the release workflow (which builds dist/ from the tag).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildBundles } from './bundle.mjs';

const stale = [];
for (const output of await buildBundles({ write: false })) {
  const committed = await readFile(output.path, 'utf8').catch(() => undefined);
  if (committed !== output.text) stale.push(path.relative(process.cwd(), output.path));
}
if (stale.length > 0) {
  console.error(
    `dist/ is stale (${stale.join(', ')}): run \`npm run bundle\` and commit the result.`,
  );
  process.exit(1);
}
console.log('dist/ matches a fresh build of src/.');
