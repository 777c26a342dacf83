/**
 * The two reads the gate may need from the repository: the base branch's
 * waiver files (to list waivers a pull request adds or changes) and the base
 * branch's open and dismissed code scanning alerts (a baseline when no
 * record was cached). Errors other than "not there" reach the caller, which
 * decides what an unreadable base means.
 */
import { z } from 'zod';
import type { AlertsReader } from '../baseline/sources.js';
import type { GitHubClient } from './client.js';
import type { RunContext } from './context.js';

const fileSchema = z.object({ type: z.literal('file'), content: z.string(), encoding: z.string() });

/**
 * The text of `filePath` on `ref`, or undefined when it does not exist there
 * (404, a directory, or content that is not base64). Throws on other errors
 * (403 without `contents: read`, 5xx).
 */
export async function readRepositoryFile(
  client: GitHubClient,
  ctx: RunContext,
  options: { filePath: string; ref: string },
): Promise<string | undefined> {
  try {
    const response = await client.rest.repos.getContent({
      owner: ctx.owner,
      repo: ctx.repo,
      path: options.filePath,
      ref: options.ref,
    });
    const file = fileSchema.safeParse(response.data);
    if (!file.success || file.data.encoding !== 'base64') return undefined;
    return Buffer.from(file.data.content, 'base64').toString('utf8');
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

/** Reads every page of the code scanning alerts of a ref in one state. */
export function createAlertsReader(client: GitHubClient, ctx: RunContext): AlertsReader {
  return {
    async listAlerts(ref, state) {
      return client.paginate(client.rest.codeScanning.listAlertsForRepo, {
        owner: ctx.owner,
        repo: ctx.repo,
        ref,
        state,
        per_page: 100,
      });
    },
  };
}
