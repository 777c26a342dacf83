import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/schema.js';
import { checkDockerfile } from '../../src/preflight.js';

const workspace = mkdtempSync(join(tmpdir(), 'preflight-'));
mkdirSync(join(workspace, 'docker'));
writeFileSync(join(workspace, 'docker', 'app.Dockerfile'), 'FROM alpine:3.19\n');
mkdirSync(join(workspace, 'a-directory'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const image = (dockerfile: string) =>
  parseConfig({ 'scan-type': 'image', 'scan-ref': 'alpine:3.19', dockerfile });

describe('checkDockerfile', () => {
  it.each(['', 'docker/app.Dockerfile', './docker/app.Dockerfile'])(
    'accepts %j (the default may be absent; a named file exists)',
    (dockerfile) => {
      expect(() => checkDockerfile(image(dockerfile), workspace)).not.toThrow();
    },
  );

  it.each(['Dockerfile', 'docker/Dockerfile', 'a-directory', '../outside/Dockerfile'])(
    'refuses a named %j that is not a file in the workspace',
    (dockerfile) => {
      const check = () => checkDockerfile(image(dockerfile), workspace);
      expect(check).toThrow(ConfigError);
      expect(check).toThrow(
        `Input 'dockerfile' names ${JSON.stringify(dockerfile)}, which is not a file in the workspace: give the workspace-relative path of the Dockerfile that builds the image (e.g. "docker/app.Dockerfile"), or leave the input out to use "Dockerfile" when the workspace has one.`,
      );
    },
  );
});
