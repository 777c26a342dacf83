/**
 * The Logger backed by @actions/core. Every message is sanitised first, so
 * untrusted text in it can never start a workflow command; annotation
 * properties are escaped by core itself.
 */
import * as core from '@actions/core';
import type { AnnotationProperties, Logger } from './logger.js';
import { sanitizeLogText } from './safe-text.js';

function toCore(properties?: AnnotationProperties): core.AnnotationProperties | undefined {
  if (properties === undefined) return undefined;
  return {
    title: properties.title === undefined ? undefined : sanitizeLogText(properties.title),
    file: properties.file === undefined ? undefined : sanitizeLogText(properties.file),
    startLine: properties.startLine,
    endLine: properties.endLine,
  };
}

/** A Logger that writes to the runner's log and annotations. */
export function createCoreLogger(): Logger {
  return {
    info: (message) => {
      for (const line of sanitizeLogText(message).split('\n')) core.info(line);
    },
    warning: (message, properties) => core.warning(sanitizeLogText(message), toCore(properties)),
    error: (message, properties) => core.error(sanitizeLogText(message), toCore(properties)),
    notice: (message, properties) => core.notice(sanitizeLogText(message), toCore(properties)),
    debug: (message) => core.debug(sanitizeLogText(message)),
  };
}
