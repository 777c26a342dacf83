import { afterEach, describe, expect, it } from 'vitest';
import { createCommandRunner } from '../../../src/util/command.js';

/** Prints the child's environment as JSON. */
const PRINT_ENV = ['-e', 'process.stdout.write(JSON.stringify(process.env))'];

async function childEnvironment(extraEnv?: Record<string, string>): Promise<NodeJS.ProcessEnv> {
  const result = await createCommandRunner().run(process.execPath, PRINT_ENV, {
    timeoutMs: 30_000,
    ...(extraEnv === undefined ? {} : { extraEnv }),
  });
  expect(result.exitCode).toBe(0);
  return JSON.parse(result.stdout) as NodeJS.ProcessEnv;
}

describe('createCommandRunner: the environment of a child', () => {
  const savedEnv = { ...process.env };
  afterEach(() => {
    process.env = { ...savedEnv };
  });

  it('holds no input, token or runner credential, whoever runs the command', async () => {
    Object.assign(process.env, {
      'INPUT_GITHUB-TOKEN': 'ghs_input',
      INPUT_SCANNERS: 'trivy',
      GITHUB_TOKEN: 'ghs_env',
      GH_TOKEN: 'gho_cli',
      ACTIONS_RUNTIME_TOKEN: 'sg-runtime-secret',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'sg-oidc-secret',
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://oidc.example',
      TRIVY_DB_REPOSITORY: 'mirror.example/trivy-db',
      HTTPS_PROXY: 'http://proxy.example:3128',
    });
    const env = await childEnvironment();
    expect(Object.keys(env).filter((key) => key.startsWith('INPUT_'))).toEqual([]);
    for (const key of [
      'GITHUB_TOKEN',
      'GH_TOKEN',
      'ACTIONS_RUNTIME_TOKEN',
      'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
      'ACTIONS_ID_TOKEN_REQUEST_URL',
    ])
      expect(env).not.toHaveProperty(key);
    expect(JSON.stringify(env)).not.toMatch(
      /ghs_input|ghs_env|gho_cli|sg-runtime-secret|sg-oidc-secret/,
    );
    // The rest of the step's environment stays: the scanner's own settings, proxies, PATH.
    expect(env).toMatchObject({
      TRIVY_DB_REPOSITORY: 'mirror.example/trivy-db',
      HTTPS_PROXY: 'http://proxy.example:3128',
      PATH: process.env.PATH,
    });
  });

  it('adds what the caller needs on top', async () => {
    process.env['INPUT_GITHUB-TOKEN'] = 'ghs_input';
    const env = await childEnvironment({ GRYPE_DB_CACHE_DIR: '/cache/grype' });
    expect(env.GRYPE_DB_CACHE_DIR).toBe('/cache/grype');
    expect(env).not.toHaveProperty('INPUT_GITHUB-TOKEN');
  });

  it("points the child's TMPDIR at the run's temp dir, so scanners' leftovers go with it", async () => {
    const result = await createCommandRunner({ tempDir: '/tmp/security-gate-run' }).run(
      process.execPath,
      ['-e', 'process.stdout.write(require("node:os").tmpdir())'],
      { timeoutMs: 30_000 },
    );
    expect(result.stdout).toBe('/tmp/security-gate-run');
  });
});
