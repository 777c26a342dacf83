/**
 * The two reads the gate may need from the repository: the base branch's
 * waivers file (to list waivers a pull request adds or changes) and the base
 * branch's open code scanning alerts (a baseline when no record was cached).
 * Both are best effort: a missing permission means "not available".
 */
import { z } from 'zod';
import type { AlertsReader } from '../baseline/sources.js';
import type { GitHubClient } from './client.js';
import type { RunContext } from './context.js';

const fileSchema = z.object({ type: z.literal('file'), content: z.string(), encoding: z.string() });

/** The text of `filePath` on `ref`, or undefined when it does not exist there (or cannot be read). */
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

/** Reads every page of the open code scanning alerts of a ref. */
export function createAlertsReader(client: GitHubClient, ctx: RunContext): AlertsReader {
  return {
    async listOpenAlerts(ref) {
      return client.paginate(client.rest.codeScanning.listAlertsForRepo, {
        owner: ctx.owner,
        repo: ctx.repo,
        ref,
        state: 'open',
        per_page: 100,
      });
    },
  };
}
