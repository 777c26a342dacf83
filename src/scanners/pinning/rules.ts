/**
 * The pinning checker's rule table: one entry per kind of unpinned
 * reference. Each carries the help a reviewer needs to fix it (how to find
 * the digest or commit SHA), which the SARIF writer turns into rule help.
 * Pure data.
 */
import type { RuleInfo } from '../../findings/finding.js';

export const PINNING_RULE_IDS = [
  'unpinned-dockerfile-from',
  'unresolved-dockerfile-from',
  'unpinned-compose-image',
  'unpinned-kubernetes-image',
  'unpinned-action-ref',
  'unpinned-docker-action',
  'unhashed-pip-requirement',
] as const;
export type PinningRuleId = (typeof PINNING_RULE_IDS)[number];

/** One pinning rule: what it flags and how to fix it. */
export interface PinningRule {
  id: PinningRuleId;
  /** Short name, used as the SARIF rule name. */
  name: string;
  title: string;
  helpMarkdown: string;
  helpUri: string;
}

const DIGEST_HELP = [
  'Pin the image to an immutable digest and keep the tag as a comment for readers and update bots:',
  '',
  '```sh',
  'docker buildx imagetools inspect IMAGE:TAG   # prints "Digest: sha256:…"',
  '```',
  '',
  'then write `IMAGE:TAG@sha256:<digest>`. A tag can be moved to other content at any time; a digest cannot.',
].join('\n');

const DOCKER_DIGEST_URI =
  'https://docs.docker.com/build/building/best-practices/#pin-base-image-versions';

/** Every rule, by id. */
export const PINNING_RULES: Record<PinningRuleId, PinningRule> = {
  'unpinned-dockerfile-from': {
    id: 'unpinned-dockerfile-from',
    name: 'UnpinnedDockerfileFrom',
    title: 'Dockerfile base image not pinned to a digest',
    helpMarkdown: `A \`FROM\` image without \`@sha256:\` can change under the same tag.\n\n${DIGEST_HELP}`,
    helpUri: DOCKER_DIGEST_URI,
  },
  'unresolved-dockerfile-from': {
    id: 'unresolved-dockerfile-from',
    name: 'UnresolvedDockerfileFrom',
    title: 'Dockerfile base image comes from a build argument without a pinned default',
    helpMarkdown: [
      'The `FROM` image is built from an `ARG` that has no default here, so the image that is built cannot be checked.',
      'Give the `ARG` (declared before the first `FROM`) a default that is pinned to a digest:',
      '',
      '```dockerfile',
      'ARG BASE=IMAGE:TAG@sha256:<digest>',
      'FROM ${BASE}',
      '```',
      '',
      DIGEST_HELP,
    ].join('\n'),
    helpUri: DOCKER_DIGEST_URI,
  },
  'unpinned-compose-image': {
    id: 'unpinned-compose-image',
    name: 'UnpinnedComposeImage',
    title: 'Compose service image not pinned to a digest',
    helpMarkdown: `A Compose \`image:\` without \`@sha256:\` pulls whatever the tag points to today.\n\n${DIGEST_HELP}`,
    helpUri: 'https://docs.docker.com/reference/compose-file/services/#image',
  },
  'unpinned-kubernetes-image': {
    id: 'unpinned-kubernetes-image',
    name: 'UnpinnedKubernetesImage',
    title: 'Kubernetes container image not pinned to a digest',
    helpMarkdown: `Nodes pull the tag again on every restart; without a digest two pods of one Deployment can run different code.\n\n${DIGEST_HELP}`,
    helpUri: 'https://kubernetes.io/docs/concepts/containers/images/#image-names',
  },
  'unpinned-action-ref': {
    id: 'unpinned-action-ref',
    name: 'UnpinnedActionRef',
    title: 'Action not pinned to a full commit SHA',
    helpMarkdown: [
      'A tag or branch of an action can be moved to other code by whoever controls the repository.',
      'Pin the full 40-character commit SHA and keep the version as a comment (Dependabot and Renovate update both):',
      '',
      '```yaml',
      'uses: OWNER/REPO@<40-hex-commit-sha> # vX.Y.Z',
      '```',
      '',
      'Find the SHA with `git ls-remote https://github.com/OWNER/REPO refs/tags/vX.Y.Z` (for an annotated tag use the `^{}` line).',
    ].join('\n'),
    helpUri:
      'https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions',
  },
  'unpinned-docker-action': {
    id: 'unpinned-docker-action',
    name: 'UnpinnedDockerAction',
    title: 'docker:// action image not pinned to a digest',
    helpMarkdown: `A \`docker://\` step runs whatever the tag points to when the job starts.\n\n${DIGEST_HELP}\n\nIn the workflow that is \`uses: docker://IMAGE:TAG@sha256:<digest>\`.`,
    helpUri:
      'https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#example-using-a-docker-hub-action',
  },
  'unhashed-pip-requirement': {
    id: 'unhashed-pip-requirement',
    name: 'UnhashedPipRequirement',
    title: 'pip requirement without --hash',
    helpMarkdown: [
      'Without hashes pip installs whatever file the index serves for that version.',
      'Generate the file with hashes and install with `--require-hashes`:',
      '',
      '```sh',
      'pip-compile --generate-hashes requirements.in   # or: uv pip compile --generate-hashes',
      'pip install --require-hashes -r requirements.txt',
      '```',
      '',
      'Each requirement then reads `name==1.2.3 --hash=sha256:<digest>`.',
    ].join('\n'),
    helpUri: 'https://pip.pypa.io/en/stable/topics/secure-installs/#hash-checking-mode',
  },
};

/** The rule metadata a finding carries (SARIF rule help). */
export function describeRule(id: PinningRuleId): RuleInfo {
  const rule = PINNING_RULES[id];
  return {
    name: rule.name,
    shortDescription: rule.title,
    fullDescription: rule.title,
    helpText: rule.helpMarkdown,
    helpMarkdown: rule.helpMarkdown,
    helpUri: rule.helpUri,
    tags: ['security', 'supply-chain', 'pinning'],
  };
}
