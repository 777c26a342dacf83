/**
 * The only caller of core.getInput: reads every input the runner passes as
 * INPUT_<NAME> (hyphens kept) and hands the raw strings to the config schema.
 */
import * as core from '@actions/core';
import { INPUT_NAMES, parseConfig, type Config, type RawInputs } from './config/schema.js';

/** Reads and validates all inputs; throws ConfigError on the first bad one. */
export function readConfigFromInputs(): Config {
  const raw: RawInputs = {};
  for (const name of INPUT_NAMES) {
    const envName = `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
    // An input the workflow did not set is absent from the environment: it takes
    // the schema's default. An input set to '' keeps '' (e.g. `scanners: ''`).
    if (process.env[envName] !== undefined) raw[name] = core.getInput(name);
  }
  return parseConfig(raw);
}
