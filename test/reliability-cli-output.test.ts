// What the user sees: `train` and `recommend` with the default `--backend auto` skip a
// software WebGPU adapter (lavapipe here and on CI) for WASM and say so, and Dawn's internal
// "Warning: ... artificially reduced" lines (written by the native library straight to stderr)
// stay out of the output; `--verbose` shows them. The child's stderr is a file here, as in a
// shell redirect (a terminal or a shell pipe works the same way); a socket as stderr (Node's
// default for a child's pipes) cannot be reopened, and there the lines pass through
// (src/cli/native-stderr.ts).
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticSequences, userItemFile } from './cases/bert4rec-fixtures.js';
import { buildCliBundles } from './cases/cli-bundle.js';

const ROOT = process.cwd();
let work = '';
let bin = '';
const env = () => ({ ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp/xdg', BERT4REC_CACHE: join(work, 'no-cache') });
/** Runs a CLI with stderr written to a file (read back into `stderr`). */
function run(args: string[]) {
  const file = join(work, 'stderr.txt');
  const fd = openSync(file, 'w');
  try {
    const r = spawnSync(process.execPath, args, { cwd: work, encoding: 'utf8', env: env(), timeout: 120_000, stdio: ['ignore', 'pipe', fd] });
    return { ...r, stderr: readFileSync(file, 'utf8') };
  } finally {
    closeSync(fd);
  }
}
const DAWN_WARNING = /^Warning: .*artificially reduced/m;

beforeAll(async () => {
  await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
  work = await mkdtemp(join(ROOT, 'test-artifacts', 'cli-output-'));
  bin = join(work, 'bin');
  await buildCliBundles(bin, ['train', 'recommend']);
  await writeFile(join(work, 'ratings.txt'), userItemFile(syntheticSequences(60, 30, 8, 20, 2)));
  await writeFile(join(work, 'small.json'), JSON.stringify({ model: { maxLen: 16, hidden: 16, layers: 1, heads: 2, ffn: 32 } }));
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('backend choice and driver noise in the CLI output', () => {
  it("train and recommend under 'auto' use WASM on a software adapter, without Dawn's warnings; --verbose shows them", () => {
    const train = run([join(bin, 'train.js'), '--data', 'ratings.txt', '--epochs', '1', '--batch', '16', '--config', 'small.json', '--out', 'out']);
    expect(train.status, train.stderr).toBe(0);
    const software = /backend: wasm \(auto\): the WebGPU adapter is a software renderer/.test(train.stdout);
    expect(software || /backend: webgpu \(auto\)/.test(train.stdout), train.stdout.slice(0, 2000)).toBe(true);
    expect(train.stdout + train.stderr).not.toMatch(DAWN_WARNING);

    const args = [join(bin, 'recommend.js'), '--checkpoint', 'out/checkpoint-best', '--user', '1', '--k', '3'];
    const rec = run(args);
    expect(rec.status, rec.stderr).toBe(0);
    expect(rec.stdout).toMatch(/Top 3 for user 1/);
    expect(rec.stderr).toMatch(software ? /backend: wasm \(auto\): the WebGPU adapter is a software renderer/ : /backend: webgpu \(auto\)/);
    expect(rec.stdout + rec.stderr).not.toMatch(DAWN_WARNING);

    const verbose = run([...args, '--verbose']);
    expect(verbose.status, verbose.stderr).toBe(0);
    expect(verbose.stdout).toBe(rec.stdout);
    // Dawn prints the warning on lavapipe (CI's adapter); a hardware adapter may have nothing to say.
    if (software) expect(verbose.stderr).toMatch(DAWN_WARNING);
  }, 300_000);
});
