/**
 * The Logger backed by @actions/core. Every message is sanitised first, so
 * untrusted text in it can never start a workflow command; annotation
 * properties are escaped by core itself.
 */
import * as core from '@actions/core';
import type { AnnotationCounts, AnnotationProperties, Logger } from './logger.js';
import { sanitizeLogText } from './safe-text.js';

function toCore(properties?: AnnotationProperties): core.AnnotationProperties | undefined {
  if (properties === undefined) return undefined;
  return {
    title: properties.title === undefined ? undefined : sanitizeLogText(properties.title),
    // Not sanitised: core escapes every property (`%`, CR, LF, `:`, `,`), and a
    // changed path would no longer point the annotation at its file.
    file: properties.file,
    startLine: properties.startLine,
    endLine: properties.endLine,
  };
}

/** A Logger that writes to the runner's log and annotations. */
export function createCoreLogger(): Logger {
  // Counted so the check run's workflow-command fallback knows how many of the
  // runner's 10 annotations per level the step has already used.
  const counts: AnnotationCounts = { error: 0, warning: 0, notice: 0 };
  return {
    info: (message) => {
      for (const line of sanitizeLogText(message).split('\n')) core.info(line);
    },
    warning: (message, properties) => {
      counts.warning += 1;
      core.warning(sanitizeLogText(message), toCore(properties));
    },
    error: (message, properties) => {
      counts.error += 1;
      core.error(sanitizeLogText(message), toCore(properties));
    },
    notice: (message, properties) => {
      counts.notice += 1;
      core.notice(sanitizeLogText(message), toCore(properties));
    },
    debug: (message) => core.debug(sanitizeLogText(message)),
    annotationCounts: () => ({ ...counts }),
  };
}
