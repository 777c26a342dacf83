/**
 * Which pinning checker reads which file, by path alone. Pure.
 */
export const PINNING_FILE_TYPES = [
  'dockerfile',
  'compose',
  'workflow',
  'requirements',
  'kubernetes',
] as const;
export type PinningFileType = (typeof PINNING_FILE_TYPES)[number];

const DOCKERFILE = [
  /^(docker|container)file$/i,
  /^(docker|container)file\.(?!dockerignore$)[^/]+$/i,
  /^[^/]+\.(docker|container)file$/i,
];
const COMPOSE = /^(docker-)?compose[^/]*\.ya?ml$/i;
const WORKFLOW = /(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/;
const ACTION = /^action\.ya?ml$/;
const REQUIREMENTS = [/^requirements[^/]*\.txt$/i, /^[^/]+[.\-_]requirements\.txt$/i];
const REQUIREMENTS_DIR = /(^|\/)requirements\/[^/]+\.txt$/i;
const YAML = /\.ya?ml$/i;

/**
 * The type of a file for the pinning checker, or undefined when it is not
 * checked. `relativePath` uses forward slashes. Any other YAML file is a
 * Kubernetes candidate; its documents are checked only when they are
 * Kubernetes objects. Constraints files are not checked: they install
 * nothing by themselves.
 */
export function classifyPinningFile(relativePath: string): PinningFileType | undefined {
  const base = relativePath.slice(relativePath.lastIndexOf('/') + 1);
  if (DOCKERFILE.some((pattern) => pattern.test(base))) return 'dockerfile';
  if (WORKFLOW.test(relativePath) || ACTION.test(base)) return 'workflow';
  if (COMPOSE.test(base)) return 'compose';
  if (REQUIREMENTS.some((pattern) => pattern.test(base)) || REQUIREMENTS_DIR.test(relativePath))
    return 'requirements';
  if (YAML.test(base)) return 'kubernetes';
  return undefined;
}
