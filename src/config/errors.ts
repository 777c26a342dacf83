/**
 * The user's mistake: a bad input value, a malformed waivers file, a report
 * glob that matches nothing. Its message is one line that names the input or
 * file, quotes the value and says what is accepted.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * A scanner or importer could not do its job (binary missing, crashed, timed
 * out, printed something that is not its report). The verdict becomes
 * `error` (fail-closed); the message names the scanner and the cause.
 */
export class ScannerError extends Error {
  override readonly name = 'ScannerError';
  constructor(
    readonly scanner: string,
    message: string,
  ) {
    super(`${scanner}: ${message}`);
  }
}

/** A report file given in `reports` that is not a format we read, or is broken. */
export class ReportFormatError extends Error {
  override readonly name = 'ReportFormatError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}
