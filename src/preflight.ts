/**
 * Checks of the user's inputs against the workspace that both entry points
 * run before any scanner, so a mistake fails fast with a ConfigError rather
 * than as a quietly different report.
 */
import type { Config } from './config/schema.js';
import { ConfigError } from './config/errors.js';
import { createWorkspaceFiles } from './util/workspace-files.js';

/**
 * A named `dockerfile` must be a file in the workspace: image findings are
 * pointed at it, and a typo would silently leave them without a location.
 * The default (`Dockerfile` when it exists) stays optional.
 */
export function checkDockerfile(config: Config, workspace: string): void {
  if (config.dockerfile === '') return;
  if (createWorkspaceFiles(workspace).exists(config.dockerfile)) return;
  throw new ConfigError(
    `Input 'dockerfile' names ${JSON.stringify(config.dockerfile)}, which is not a file in the workspace: give the workspace-relative path of the Dockerfile that builds the image (e.g. "docker/app.Dockerfile"), or leave the input out to use "Dockerfile" when the workspace has one.`,
  );
}
