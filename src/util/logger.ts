/**
 * The logging interface every stage that needs to talk uses. `main.ts` backs
 * it with @actions/core, the CLI with the console. Messages passed here are
 * made safe by the implementation (see `safe-text.ts`): callers may include
 * untrusted text.
 */
export interface Logger {
  info(message: string): void;
  warning(message: string, properties?: AnnotationProperties): void;
  error(message: string, properties?: AnnotationProperties): void;
  notice(message: string, properties?: AnnotationProperties): void;
  debug(message: string): void;
  /**
   * How many error, warning and notice annotations this logger has written
   * so far. The runner shows only 10 of each per step, so the workflow-command
   * fallback of the check run needs to know what is already used.
   */
  annotationCounts?(): AnnotationCounts;
}

/** Annotations written per level (each `error`/`warning`/`notice` call is one). */
export interface AnnotationCounts {
  error: number;
  warning: number;
  notice: number;
}

/** File/line properties of a workflow-command annotation. */
export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
}

/** A logger that records everything, for tests and for buffering. */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
    notice: (m) => lines.push(`notice: ${m}`),
    debug: (m) => lines.push(`debug: ${m}`),
    annotationCounts: () => ({
      error: lines.filter((l) => l.startsWith('error: ')).length,
      warning: lines.filter((l) => l.startsWith('warning: ')).length,
      notice: lines.filter((l) => l.startsWith('notice: ')).length,
    }),
  };
}
