/**
 * Pinning checks for YAML files: Compose `image:`, Kubernetes container
 * images (any workload, Pod templates and CronJob job templates included)
 * and GitHub Actions `uses:` in workflows and composite actions. Lines come
 * from the parser's positions; an image defined once under an anchor is
 * reported once, at the anchor. Pure.
 */
import { isMap, isSeq, type Document, type Node, type YAMLMap } from 'yaml';
import type { Finding } from '../../findings/finding.js';
import {
  createPinningFinding,
  hasDigest,
  type PinningFile,
  type PinningHit,
} from './pinning-finding.js';
import type { PinningRuleId } from './rules.js';
import {
  getMapValue,
  lineOfNode,
  mapEntries,
  parseYamlFile,
  resolveNode,
  scalarText,
  visitMaps,
  type YamlFile,
} from './yaml-nodes.js';

/** Collects hits, one per distinct YAML node. */
class HitCollector {
  readonly hits: PinningHit[] = [];
  private readonly seen = new Set<Node>();
  constructor(private readonly yaml: YamlFile) {}

  add(node: Node, rule: PinningRuleId, reference: string): void {
    if (this.seen.has(node)) return;
    this.seen.add(node);
    this.hits.push({ rule, line: lineOfNode(node, this.yaml), reference });
  }
}

function findings(file: PinningFile, collector: HitCollector): Finding[] {
  return collector.hits
    .sort((a, b) => a.line - b.line)
    .map((hit) => createPinningFinding(file, hit));
}

function checkImageNode(
  node: Node | undefined,
  rule: PinningRuleId,
  collector: HitCollector,
): void {
  const image = scalarText(node);
  if (node === undefined || image === undefined || image.trim() === '') return;
  if (!hasDigest(image)) collector.add(node, rule, image);
}

/** Compose files: every service's `image:` needs a digest (`${VAR}` values cannot be verified, so they count as unpinned). */
export function checkCompose(file: PinningFile): Finding[] {
  const yaml = parseYamlFile(file.path, file.text);
  const collector = new HitCollector(yaml);
  for (const document of yaml.documents) {
    if (!isMap(document.contents)) continue;
    const services = getMapValue(document.contents, 'services', document);
    if (!isMap(services)) continue;
    for (const [, service] of mapEntries(services, document)) {
      if (isMap(service))
        checkImageNode(
          getMapValue(service, 'image', document),
          'unpinned-compose-image',
          collector,
        );
    }
  }
  return findings(file, collector);
}

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

function checkContainerLists(
  map: YAMLMap,
  document: Document.Parsed,
  collector: HitCollector,
): void {
  for (const key of CONTAINER_LISTS) {
    const list = getMapValue(map, key, document);
    if (!isSeq(list)) continue;
    for (const item of list.items) {
      const container = resolveNode(item, document);
      if (isMap(container)) {
        checkImageNode(
          getMapValue(container, 'image', document),
          'unpinned-kubernetes-image',
          collector,
        );
      }
    }
  }
}

/** True for a document that is a Kubernetes object (top-level `apiVersion` and `kind`). */
function isKubernetesObject(document: Document.Parsed): boolean {
  const root = document.contents;
  return (
    isMap(root) &&
    scalarText(getMapValue(root, 'apiVersion', document)) !== undefined &&
    scalarText(getMapValue(root, 'kind', document)) !== undefined
  );
}

/**
 * Kubernetes manifests: container lists anywhere inside an object (Pod
 * `spec`, workload `spec.template`, CronJob `jobTemplate`, `List` items).
 * Documents that are not Kubernetes objects are ignored.
 */
export function checkKubernetes(file: PinningFile): Finding[] {
  const yaml = parseYamlFile(file.path, file.text);
  const collector = new HitCollector(yaml);
  for (const document of yaml.documents) {
    if (!isKubernetesObject(document)) continue;
    visitMaps(document.contents, document, (map) => checkContainerLists(map, document, collector));
  }
  return findings(file, collector);
}

/** Why a `uses:` value is unpinned, or undefined when it is pinned or local. */
export function classifyUses(uses: string): PinningRuleId | undefined {
  const value = uses.trim();
  if (value.startsWith('./')) return undefined;
  if (value.toLowerCase().startsWith('docker://')) {
    return hasDigest(value.slice('docker://'.length)) ? undefined : 'unpinned-docker-action';
  }
  const ref = /^[^@\s]+@([^@\s]+)$/.exec(value)?.[1];
  return ref !== undefined && /^[0-9a-f]{40}$/i.test(ref) ? undefined : 'unpinned-action-ref';
}

function checkUsesNode(node: Node | undefined, collector: HitCollector): void {
  const uses = scalarText(node);
  if (node === undefined || uses === undefined) return;
  const rule = classifyUses(uses);
  if (rule !== undefined) collector.add(node, rule, uses);
}

/** Every step's `uses:` in a `steps:` list. */
function checkSteps(
  steps: Node | undefined,
  document: Document.Parsed,
  collector: HitCollector,
): void {
  if (!isSeq(steps)) return;
  for (const item of steps.items) {
    const step = resolveNode(item, document);
    if (isMap(step)) checkUsesNode(getMapValue(step, 'uses', document), collector);
  }
}

/** A workflow's jobs: reusable-workflow `jobs.<id>.uses` and `jobs.<id>.steps[*].uses`. */
function checkJobs(root: YAMLMap, document: Document.Parsed, collector: HitCollector): void {
  const jobs = getMapValue(root, 'jobs', document);
  if (!isMap(jobs)) return;
  for (const [, job] of mapEntries(jobs, document)) {
    if (!isMap(job)) continue;
    checkUsesNode(getMapValue(job, 'uses', document), collector);
    checkSteps(getMapValue(job, 'steps', document), document, collector);
  }
}

/** An action's `runs`: composite `runs.steps[*].uses`, Docker `runs.image: docker://…`. */
function checkRuns(root: YAMLMap, document: Document.Parsed, collector: HitCollector): void {
  const runs = getMapValue(root, 'runs', document);
  if (!isMap(runs)) return;
  checkSteps(getMapValue(runs, 'steps', document), document, collector);
  const image = getMapValue(runs, 'image', document);
  if (scalarText(image)?.trim().toLowerCase().startsWith('docker://'))
    checkUsesNode(image, collector);
}

/**
 * Workflows and `action.yml`: the `uses:` GitHub runs — steps, reusable-workflow
 * jobs, composite action steps — must name a full commit SHA or a
 * digest-pinned `docker://` image; a Docker action's `runs.image: docker://…`
 * needs a digest too. A `uses` key anywhere else (an input under `with:`,
 * say) is only data and is not checked.
 */
export function checkWorkflow(file: PinningFile): Finding[] {
  const yaml = parseYamlFile(file.path, file.text);
  const collector = new HitCollector(yaml);
  for (const document of yaml.documents) {
    const root = document.contents;
    if (!isMap(root)) continue;
    checkJobs(root, document, collector);
    checkRuns(root, document, collector);
  }
  return findings(file, collector);
}
