import { describe, expect, it } from 'vitest';
import {
  checkCompose,
  checkKubernetes,
  checkWorkflow,
  classifyUses,
} from '../../../../src/scanners/pinning/check-yaml.js';
import {
  PinningParseError,
  type PinningFile,
} from '../../../../src/scanners/pinning/pinning-finding.js';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const SHA = 'f'.repeat(40);

function summarise(check: (file: PinningFile) => ReturnType<typeof checkCompose>, text: string) {
  return check({ path: 'x.yml', text, severity: 'HIGH' }).map((f) => [
    f.ruleId,
    f.location?.startLine,
    f.properties?.['reference'],
  ]);
}

describe('checkCompose', () => {
  it.each([
    [
      'tag',
      'services:\n  web:\n    image: nginx:1.25\n',
      [['unpinned-compose-image', 3, 'nginx:1.25']],
    ],
    ['digest', `services:\n  web:\n    image: "nginx@${DIGEST}"\n`, []],
    ['build only', 'services:\n  web:\n    build: .\n', []],
    [
      'quoted values, comments',
      "version: '3.8'\nservices:\n  # the api\n  api:\n    image: 'ghcr.io/o/api:main' # moving\n",
      [['unpinned-compose-image', 5, 'ghcr.io/o/api:main']],
    ],
    [
      'merge key from an anchor, reported once at the anchor',
      'x-base: &base\n  image: postgres:16\nservices:\n  a:\n    <<: *base\n  b:\n    <<: [*base]\n  c:\n    <<: *base\n    image: postgres@' +
        DIGEST +
        '\n',
      [['unpinned-compose-image', 2, 'postgres:16']],
    ],
    [
      'alias of an anchored scalar',
      'services:\n  a:\n    image: &img redis:7\n  b:\n    image: *img\n',
      [['unpinned-compose-image', 3, 'redis:7']],
    ],
    [
      'interpolated value cannot be verified',
      'services:\n  a:\n    image: ${REGISTRY}/app:${TAG:-latest}\n',
      [['unpinned-compose-image', 3, '${REGISTRY}/app:${TAG:-latest}']],
    ],
    [
      'CRLF',
      'services:\r\n  a:\r\n    image: nginx\r\n  b:\r\n    image: redis\r\n',
      [
        ['unpinned-compose-image', 3, 'nginx'],
        ['unpinned-compose-image', 5, 'redis'],
      ],
    ],
    ['no services', 'networks: {}\n', []],
    ['empty file', '', []],
  ])('%s', (_name, text, expected) => {
    expect(summarise(checkCompose, text)).toEqual(expected);
  });

  it('throws a parse error with the line for broken YAML', () => {
    expect(() =>
      checkCompose({
        path: 'c.yml',
        text: 'services:\n  a:\n    image: [nginx\n',
        severity: 'HIGH',
      }),
    ).toThrow(PinningParseError);
  });
});

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: busybox:1.36
      containers:
        - name: web
          image: "ghcr.io/o/web@${DIGEST}"
        - name: sidecar
          image: envoyproxy/envoy:v1.29.0
`;

describe('checkKubernetes', () => {
  it.each([
    [
      'deployment template',
      DEPLOYMENT,
      [
        ['unpinned-kubernetes-image', 10, 'busybox:1.36'],
        ['unpinned-kubernetes-image', 15, 'envoyproxy/envoy:v1.29.0'],
      ],
    ],
    [
      'pod with ephemeral containers',
      'apiVersion: v1\nkind: Pod\nspec:\n  ephemeralContainers:\n    - image: debug:1\n  containers:\n    - image: app@' +
        DIGEST +
        '\n',
      [['unpinned-kubernetes-image', 5, 'debug:1']],
    ],
    [
      'CronJob jobTemplate after a document separator and a comment',
      '# first\n---\napiVersion: batch/v1\nkind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: j\n              image: alpine\n',
      [['unpinned-kubernetes-image', 12, 'alpine']],
    ],
    [
      'List of objects',
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    spec:\n      containers:\n        - image: nginx\n',
      [['unpinned-kubernetes-image', 8, 'nginx']],
    ],
    ['not a Kubernetes object', 'containers:\n  - image: nginx\n', []],
    [
      'anchor shared by two containers, reported once',
      'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - &c\n      image: nginx\n    - *c\n',
      [['unpinned-kubernetes-image', 6, 'nginx']],
    ],
    [
      'CRLF',
      DEPLOYMENT.replace(/\n/g, '\r\n'),
      [
        ['unpinned-kubernetes-image', 10, 'busybox:1.36'],
        ['unpinned-kubernetes-image', 15, 'envoyproxy/envoy:v1.29.0'],
      ],
    ],
  ])('%s', (_name, text, expected) => {
    expect(summarise(checkKubernetes, text)).toEqual(expected);
  });
});

describe('checkWorkflow', () => {
  it.each([
    [
      'steps and reusable workflows',
      `on: push\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@${SHA} # v4\n      - uses: actions/setup-node@v4\n      - uses: "./local"\n      - name: x\n        uses: github/codeql-action/init@main\n  b:\n    uses: o/r/.github/workflows/w.yml@v1\n  c:\n    uses: o/r/.github/workflows/w.yml@${SHA}\n`,
      [
        ['unpinned-action-ref', 6, 'actions/setup-node@v4'],
        ['unpinned-action-ref', 9, 'github/codeql-action/init@main'],
        ['unpinned-action-ref', 11, 'o/r/.github/workflows/w.yml@v1'],
      ],
    ],
    [
      'short sha is not pinned',
      'jobs:\n  a:\n    steps:\n      - uses: actions/checkout@11bd719\n',
      [['unpinned-action-ref', 4, 'actions/checkout@11bd719']],
    ],
    [
      'docker image without digest',
      'jobs:\n  a:\n    steps:\n      - uses: docker://alpine:3.19\n      - uses: docker://alpine@' +
        DIGEST +
        '\n',
      [['unpinned-docker-action', 4, 'docker://alpine:3.19']],
    ],
    [
      'composite action',
      `runs:\n  using: composite\n  steps:\n    - uses: actions/cache@v4\n    - run: echo hi\n      shell: bash\n`,
      [['unpinned-action-ref', 4, 'actions/cache@v4']],
    ],
    [
      'docker action image',
      "runs:\n  using: docker\n  image: 'docker://ghcr.io/o/tool:1'\n",
      [['unpinned-docker-action', 3, 'docker://ghcr.io/o/tool:1']],
    ],
    ['docker action from a Dockerfile', 'runs:\n  using: docker\n  image: Dockerfile\n', []],
    [
      'a uses key that is only data (with:, env:, inputs) is not checked',
      `on:\n  workflow_call:\n    inputs:\n      uses:\n        type: string\n        default: a/b@v1\njobs:\n  a:\n    env:\n      uses: x/y@v1\n    steps:\n      - uses: some/deployer@${SHA}\n        with:\n          uses: other/action@v1\n          config: { uses: z/z@main }\n`,
      [],
    ],
    ['a top-level uses key outside jobs is not checked', 'uses: a/b@v1\njobs: {}\n', []],
    [
      'composite action with: inputs are data',
      `runs:\n  using: composite\n  steps:\n    - uses: a/b@${SHA}\n      with:\n        uses: c/d@v1\n`,
      [],
    ],
    [
      'steps shared through a YAML anchor are reported once, at the anchor',
      'jobs:\n  a:\n    steps: &s\n      - uses: a/b@v1\n  b:\n    steps: *s\n',
      [['unpinned-action-ref', 4, 'a/b@v1']],
    ],
    [
      'a step list item given as an alias',
      'x: &step\n  uses: a/b@v2\njobs:\n  a:\n    steps:\n      - *step\n',
      [['unpinned-action-ref', 2, 'a/b@v2']],
    ],
    [
      'CRLF',
      'jobs:\r\n  a:\r\n    steps:\r\n      - uses: a/b@v1\r\n',
      [['unpinned-action-ref', 4, 'a/b@v1']],
    ],
  ])('%s', (_name, text, expected) => {
    expect(summarise(checkWorkflow, text)).toEqual(expected);
  });

  it.each([
    ['./.github/actions/x', undefined],
    [`actions/checkout@${SHA}`, undefined],
    [`actions/checkout@${SHA.toUpperCase()}`, undefined],
    ['actions/checkout@v4', 'unpinned-action-ref'],
    ['actions/checkout', 'unpinned-action-ref'],
    [`actions/checkout@${SHA}0`, 'unpinned-action-ref'],
    ['docker://x:1', 'unpinned-docker-action'],
    [`DOCKER://x@${DIGEST}`, undefined],
  ])('classifies uses %s', (uses, expected) => {
    expect(classifyUses(uses)).toBe(expected);
  });
});
