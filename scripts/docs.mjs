// Generates README's inputs and outputs tables from action.yml.
// `node scripts/docs.mjs` rewrites README.md; `--check` fails when they disagree.
import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'yaml';

const action = parse(await readFile('action.yml', 'utf8'));
const readme = await readFile('README.md', 'utf8');

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text) => (text === '' ? '' : `\`${cell(text)}\``);

export function renderInputs(inputs) {
  const rows = Object.entries(inputs).map(
    ([name, spec]) =>
      `| \`${name}\` | ${code(spec.default ?? '')} | ${cell(spec.description ?? '')} |`,
  );
  return ['| Input | Default | Description |', '| --- | --- | --- |', ...rows].join('\n');
}

export function renderOutputs(outputs) {
  const rows = Object.entries(outputs).map(
    ([name, spec]) => `| \`${name}\` | ${cell(spec.description ?? '')} |`,
  );
  return ['| Output | Description |', '| --- | --- |', ...rows].join('\n');
}

function replaceSection(text, name, body) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

const updated = replaceSection(
  replaceSection(readme, 'inputs', renderInputs(action.inputs)),
  'outputs',
  renderOutputs(action.outputs),
);

if (process.argv.includes('--check')) {
  if (updated !== readme) {
    console.error(
      'README.md inputs/outputs tables differ from action.yml: run `npm run docs` and commit.',
    );
    process.exit(1);
  }
  console.log('README.md tables match action.yml.');
} else {
  await writeFile('README.md', updated);
}
