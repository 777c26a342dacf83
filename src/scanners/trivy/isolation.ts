/**
 * The files that stand in for the workspace's `trivy.yaml`,
 * `trivy-secret.yaml` and `.trivyignore` on every Trivy run (scan and SBOM),
 * so that nothing in the checkout configures what Trivy reports.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrivyIsolationFiles } from './args.js';

/**
 * Writes the stand-ins in a fresh directory under `tempDir`, runs `work`
 * with their paths, and removes them. The YAML ones hold `{}`: Trivy 0.44
 * refuses an empty secret config, and newer releases refuse a `--config`
 * that does not exist. The ignore file is empty and has no `.yaml` name, so
 * it is read as plain `.trivyignore` lines (none).
 */
export async function withTrivyIsolation<T>(
  tempDir: string,
  work: (files: TrivyIsolationFiles) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tempDir, 'trivy-isolation-'));
  try {
    const files: TrivyIsolationFiles = {
      config: join(dir, 'trivy.yaml'),
      secretConfig: join(dir, 'trivy-secret.yaml'),
      ignoreFile: join(dir, 'trivyignore'),
    };
    await writeFile(files.config, '{}\n');
    await writeFile(files.secretConfig, '{}\n');
    await writeFile(files.ignoreFile, '');
    return await work(files);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
