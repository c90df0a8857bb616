// The runtime as a package: `npm pack` the repository, install the tarball into a fresh
// project (offline: the package's own dependencies, such as Dawn's `webgpu`, are linked to the
// copies `npm ci` installed here, since CI has no registry access), and run README.md's embedding
// example from that project in Node, in Deno (npm packages from node_modules) and in Chromium
// (an esbuild bundle of the project). The example's source is the README's snippet, and the
// output it must print is the snippet's trailing comments. Needs `npm run build` first
// (npm test does it). WebGPU or not, the example must print the same numbers.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser/chromium.js';
// @ts-expect-error plain ESM helper without types
import { serveStatic } from '../scripts/static-server.mjs';

const ROOT = resolve('.');
const PACKAGE = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string; dependencies: Record<string, string> };
const DENO = join(ROOT, 'node_modules/.bin/deno');

/** The ```js block between the package-example markers of README.md. */
function readmeExample(): string {
  const readme = readFileSync('README.md', 'utf8');
  const m = /<!-- package-example:start -->\s*```js\n([\s\S]*?)```\s*<!-- package-example:end -->/.exec(readme);
  if (!m) throw new Error('README.md: no ```js block between <!-- package-example:start --> and <!-- package-example:end -->');
  return m[1];
}

/** The lines the example must print: the comment after each console.log('label', ...). */
function expectedLines(source: string): string[] {
  return source
    .split('\n')
    .map((l) => /^console\.log\('[^']+',.*\/\/ (.+)$/.exec(l.trim())?.[1])
    .filter((l): l is string => !!l);
}

/** Printed lines that start with one of the expected lines' labels. */
function printed(out: string, expected: string[]): string[] {
  const labels = expected.map((e) => e.split(' ')[0] + ' ');
  return out.split('\n').filter((l) => labels.some((p) => l.startsWith(p)));
}

const example = readmeExample();
const expected = expectedLines(example);
let project = '';
let files: string[] = [];

beforeAll(() => {
  expect(existsSync('dist/index.js') && existsSync('dist/types/runtime/index.d.ts'), 'run npm run build first').toBe(true);
  project = mkdtempSync(join(tmpdir(), 'runtime-package-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', project], { encoding: 'utf8' })) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = packed[0].files.map((f) => f.path);
  const linked = Object.fromEntries(Object.keys(PACKAGE.dependencies).map((d) => [d, `file:${join(ROOT, 'node_modules', d)}`]));
  const dependencies = { [PACKAGE.name]: `file:./${packed[0].filename}`, ...linked };
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'embedder', private: true, type: 'module', dependencies }, null, 2));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project, encoding: 'utf8', stdio: 'pipe' });
  writeFileSync(join(project, 'example.mjs'), example);
}, 300_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe(`the ${PACKAGE.name} package`, () => {
  it('the tarball holds the bundles, the types, the .wasm and the shaders, and nothing of BERT4Rec', () => {
    for (const f of ['dist/index.js', 'dist/internal.js', 'dist/types/runtime/index.d.ts', 'dist/types/runtime/internal.d.ts', 'build/kernels.wasm', 'build/kernels-relaxed.wasm', 'wgsl/lib/math.wgsl', 'wgsl/matmul.wgsl']) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => f.startsWith('dist/chunks/'))).toBe(true);
    expect(files.filter((f) => /^(src|test|demo|bench)\/|^dist\/(cli|demo|test)\/|^dist\/types\/(src|demo)\//.test(f))).toEqual([]);
    expect(expected.length).toBeGreaterThanOrEqual(2);
  });

  it('runs the README example in Node', () => {
    const r = spawnSync(process.execPath, ['example.mjs'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status, out).toBe(0);
    expect(out).toMatch(/^backend: (webgpu|wasm) \(auto\)/m);
    expect(printed(r.stdout, expected)).toEqual(expected);
  }, 180_000);

  it('runs the README example in Deno from node_modules', () => {
    expect(existsSync(DENO), 'deno is missing: run npm ci (the deno npm package ships it)').toBe(true);
    const r = spawnSync(DENO, ['run', '--allow-all', '--node-modules-dir=manual', 'example.mjs'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status, out).toBe(0);
    expect(out).toMatch(/^backend: (webgpu|wasm) \(auto\)/m);
    expect(printed(r.stdout, expected)).toEqual(expected);
  }, 180_000);

  it('runs the README example in Chromium from an esbuild bundle of the project', async () => {
    const www = join(project, 'www');
    mkdirSync(www, { recursive: true });
    await build({ entryPoints: [join(project, 'example.mjs')], absWorkingDir: project, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: join(www, 'example.js'), logLevel: 'warning' });
    writeFileSync(join(www, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="example.js"></script>');
    const server = await serveStatic(www);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const lines: string[] = [];
      const errors: string[] = [];
      page.on('console', (m) => lines.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.url}/index.html`);
      const last = expected[expected.length - 1].split(' ')[0];
      await expect.poll(() => errors.length > 0 || lines.some((l) => l.startsWith(`${last} `)), { timeout: 120_000 }).toBe(true);
      expect(errors).toEqual([]);
      expect(lines.some((l) => /^backend: (webgpu|wasm) \(auto\)/.test(l)), lines.join('\n')).toBe(true);
      expect(printed(lines.join('\n'), expected)).toEqual(expected);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 180_000);

  it('has no hidden process-wide effects in Node: no Dawn globals on globalThis, V8 flags untouched with setV8Flag: false', () => {
    writeFileSync(
      join(project, 'effects.mjs'),
      `import { createRuntime } from '${PACKAGE.name}';
const wasm = await createRuntime({ backend: 'wasm', wasm: { threads: 1, setV8Flag: false } });
console.log('wasm-description ' + wasm.backend.description);
wasm.destroy();
const gpu = await createRuntime({ backend: 'auto', avoidSoftwareAdapter: false });
console.log('globals ' + JSON.stringify(['GPUBufferUsage', 'GPUMapMode', 'GPUShaderStage'].filter((k) => k in globalThis)));
gpu.destroy();
`,
    );
    const r = spawnSync(process.execPath, ['effects.mjs'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status, out).toBe(0);
    expect(out).toContain('globals []');
    const description = /^wasm-description (.*)$/m.exec(r.stdout)?.[1] ?? '';
    expect(description).not.toContain('V8 flag');
    // Node 20's V8 validates relaxed SIMD only with the flag; newer engines have it anyway.
    if (process.versions.node.startsWith('20.')) expect(description).not.toContain('relaxed');
  }, 180_000);
});
