import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    // Scratch directories made through __tests__/helpers/temp-dirs.ts go after each file.
    setupFiles: ['__tests__/helpers/cleanup-temp-dirs.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The end-to-end tests spawn Trivy and the bundled action; two cores are all we get.
    maxWorkers: 2,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      thresholds: {
        'src/findings/**': { lines: 90 },
        'src/gate/**': { lines: 90 },
        'src/waivers/**': { lines: 90 },
        'src/config/**': { lines: 90 },
        'src/baseline/**': { lines: 90 },
        'src/report/**': { lines: 90 },
      },
    },
  },
});
