/**
 * Checks of the user's inputs against the workspace that both entry points
 * run before any scanner, so a mistake fails fast with a ConfigError rather
 * than as a quietly different report.
 */
import type { Config } from './config/schema.js';
import { ConfigError } from './config/errors.js';
import { prepareReports } from './pipeline.js';
import type { Logger } from './util/logger.js';
import { createWorkspaceFiles } from './util/workspace-files.js';
import { loadWaivers } from './waivers/load.js';
import type { Waiver } from './waivers/parse.js';

/** What the preflight found: the report files to import and the waivers to apply. */
export interface Preflight {
  reportFiles: string[];
  waivers: Waiver[];
}

/**
 * Everything on the user's side that can be wrong fails here, before any
 * scanner runs: the named Dockerfile, the `reports` globs, the waiver files.
 */
export async function runPreflight(
  config: Config,
  workspace: string,
  logger: Logger,
): Promise<Preflight> {
  checkDockerfile(config, workspace);
  const reportFiles = await prepareReports(config, workspace);
  const waivers = await loadWaivers({
    workspace,
    waiversFile: config.waiversFile,
    explicit: config.waiversFileExplicit,
    warn: (message) => logger.warning(message),
  });
  return { reportFiles, waivers };
}

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
