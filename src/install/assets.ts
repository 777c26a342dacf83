/**
 * Release asset names of the scanners, exactly as their projects publish
 * them on GitHub Releases, for the runner's OS and architecture. Pure.
 */
export const INSTALLABLE_TOOLS = ['trivy', 'grype'] as const;
export type InstallableTool = (typeof INSTALLABLE_TOOLS)[number];

/** Where to fetch one scanner release and what is inside it. */
export interface ScannerAsset {
  tool: InstallableTool;
  version: string;
  archiveName: string;
  archiveUrl: string;
  checksumsName: string;
  checksumsUrl: string;
  /** Name of the executable at the top of the archive. */
  binaryName: string;
}

/** The asset could not be described: the OS/arch has no build we can unpack. */
export class UnsupportedPlatformError extends Error {
  override readonly name = 'UnsupportedPlatformError';
}

interface ToolNaming {
  repository: string;
  /** `<platform>` → `<arch>` → suffix used in the asset name. */
  suffixes: Partial<Record<string, Partial<Record<string, string>>>>;
  archive: (version: string, suffix: string) => string;
}

const NAMING: Record<InstallableTool, ToolNaming> = {
  trivy: {
    repository: 'aquasecurity/trivy',
    suffixes: {
      linux: { x64: 'Linux-64bit', arm64: 'Linux-ARM64' },
      darwin: { x64: 'macOS-64bit', arm64: 'macOS-ARM64' },
    },
    archive: (version, suffix) => `trivy_${version}_${suffix}.tar.gz`,
  },
  grype: {
    repository: 'anchore/grype',
    suffixes: {
      linux: { x64: 'linux_amd64', arm64: 'linux_arm64' },
      darwin: { x64: 'darwin_amd64', arm64: 'darwin_arm64' },
    },
    archive: (version, suffix) => `grype_${version}_${suffix}.tar.gz`,
  },
};

/**
 * Names and URLs of a release's archive and checksums file. Throws
 * `UnsupportedPlatformError` for an OS/arch without a tar.gz build.
 */
export function describeScannerAsset(options: {
  tool: InstallableTool;
  version: string;
  platform: NodeJS.Platform;
  arch: string;
  downloadBaseUrl: string;
}): ScannerAsset {
  const { tool, version, platform, arch } = options;
  const naming = NAMING[tool];
  const suffix = naming.suffixes[platform]?.[arch];
  if (suffix === undefined) {
    throw new UnsupportedPlatformError(
      `${tool} cannot be installed on ${platform}/${arch}: releases are installed for linux and darwin on x64 and arm64. Put ${tool} on PATH or set '${tool}-path'.`,
    );
  }
  const base = `${options.downloadBaseUrl.replace(/\/+$/, '')}/${naming.repository}/releases/download/v${version}`;
  const archiveName = naming.archive(version, suffix);
  const checksumsName = `${tool}_${version}_checksums.txt`;
  return {
    tool,
    version,
    archiveName,
    archiveUrl: `${base}/${archiveName}`,
    checksumsName,
    checksumsUrl: `${base}/${checksumsName}`,
    binaryName: tool,
  };
}
