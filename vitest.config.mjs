import { defineConfig } from 'vitest/config';
import { assetPlugin } from './scripts/asset-plugin.mjs';

export default defineConfig({
  plugins: [assetPlugin()],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Dawn and the WASM backend are heavy; one worker per core.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
