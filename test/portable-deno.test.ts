// The portable kernel suite under Deno (WebGPU from navigator.gpu on lavapipe, and WASM).
// Needs `npm run build` first (npm test does it). Fails, never skips, without an adapter.
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DENO = 'node_modules/.bin/deno';

it('kernel suite passes under Deno on WebGPU and WASM', () => {
  expect(existsSync(DENO), 'deno is missing: run npm ci (the deno npm package ships it)').toBe(true);
  expect(existsSync('dist/test/portable-deno.js'), 'run npm run build first').toBe(true);
  const r = spawnSync(DENO, ['run', '--allow-all', 'dist/test/portable-deno.js'], { encoding: 'utf8', timeout: 600_000 });
  const out = `${r.stdout}\n${r.stderr}`;
  const line = out.split('\n').find((l) => l.startsWith('DENO_SUMMARY '));
  expect(line, `no summary from deno:\n${out.slice(-4000)}`).toBeTruthy();
  const summary = JSON.parse(line!.slice('DENO_SUMMARY '.length));
  expect(summary.backends.webgpu, `Deno has no WebGPU adapter:\n${out.slice(-2000)}`).toBeTruthy();
  expect(summary.failed, out.slice(-4000)).toBe(0);
  expect(summary.passed).toBeGreaterThan(100);
  expect(r.status).toBe(0);
});
