// Runs a bundled script under Deno (from the deno npm package) and returns the JSON summary
// it prints on a line starting with `marker` (the tests' contract with test/portable/*).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect } from 'vitest';

const DENO = 'node_modules/.bin/deno';

export function runDenoScript<T>(script: string, marker: string, timeoutMs: number): { summary: T; out: string; status: number | null } {
  expect(existsSync(DENO), 'deno is missing: run npm ci (the deno npm package ships it)').toBe(true);
  expect(existsSync(script), 'run npm run build first').toBe(true);
  const r = spawnSync(DENO, ['run', '--allow-all', script], { encoding: 'utf8', timeout: timeoutMs });
  const out = `${r.stdout}\n${r.stderr}`;
  const line = out.split('\n').find((l) => l.startsWith(`${marker} `));
  expect(line, `no summary from deno:\n${out.slice(-4000)}`).toBeTruthy();
  return { summary: JSON.parse(line!.slice(marker.length + 1)) as T, out, status: r.status };
}
