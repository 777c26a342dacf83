/**
 * This action's version, as package.json states it (a repository test keeps
 * the two equal). Shown for the built-in pinning checker and sent as the
 * SARIF driver version.
 */
export const SECURITY_GATE_VERSION = '0.1.0';
