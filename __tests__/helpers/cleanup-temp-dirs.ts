/** vitest setup file: the scratch directories of each test file go with it. */
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dirs.js';

afterAll(removeTempDirs);
