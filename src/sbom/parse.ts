/**
 * Checking an SBOM Trivy wrote: it must parse as the format we asked for,
 * and we count the software packages it lists. Pure; zod for the outside
 * data.
 */
import { z } from 'zod';

/** The SBOM formats `sbom-format` offers (other than none). */
export type SbomOutputFormat = 'spdx-json' | 'cyclonedx';

const spdxSchema = z.object({
  spdxVersion: z.string().startsWith('SPDX-'),
  packages: z
    .array(
      z.looseObject({
        name: z.string(),
        externalRefs: z.array(z.looseObject({ referenceType: z.string() })).optional(),
      }),
    )
    .optional(),
});

interface CycloneDxComponent {
  name: string;
  purl?: string;
  components?: CycloneDxComponent[];
}

const componentSchema: z.ZodType<CycloneDxComponent> = z.lazy(() =>
  z.looseObject({
    name: z.string(),
    purl: z.string().optional(),
    components: z.array(componentSchema).optional(),
  }),
);

const cycloneDxSchema = z.object({
  bomFormat: z.literal('CycloneDX'),
  specVersion: z.string(),
  components: z.array(componentSchema).optional(),
});

/** What an SBOM lists. */
export interface SbomSummary {
  /** Software packages identified by a PURL (Trivy also lists the scanned root and each lockfile; those are not counted). */
  packages: number;
  /** Names of those packages, in document order. */
  packageNames: string[];
}

function flattenComponents(components: CycloneDxComponent[]): CycloneDxComponent[] {
  return components.flatMap((component) => [
    component,
    ...flattenComponents(component.components ?? []),
  ]);
}

/** Parses an SBOM of `format`; returns its summary or a one-line reason it is not that format. */
export function summariseSbom(
  text: string,
  format: SbomOutputFormat,
): SbomSummary | { error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { error: `not JSON (${(error as Error).message})` };
  }
  if (format === 'spdx-json') {
    const spdx = spdxSchema.safeParse(data);
    if (!spdx.success) return { error: 'not an SPDX JSON document (no spdxVersion/packages)' };
    const named = (spdx.data.packages ?? []).filter((pkg) =>
      (pkg.externalRefs ?? []).some((ref) => ref.referenceType === 'purl'),
    );
    return { packages: named.length, packageNames: named.map((pkg) => pkg.name) };
  }
  const bom = cycloneDxSchema.safeParse(data);
  if (!bom.success)
    return { error: 'not a CycloneDX JSON document (no bomFormat/specVersion/components)' };
  const named = flattenComponents(bom.data.components ?? []).filter(
    (component) => component.purl !== undefined,
  );
  return { packages: named.length, packageNames: named.map((component) => component.name) };
}
