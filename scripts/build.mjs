// Build: asc compiles kernels/ to build/kernels.wasm and build/kernels-relaxed.wasm; esbuild bundles the ESM package
// (WGSL inlined as text, WASM inlined as bytes); tsc emits type declarations.
// Usage: node scripts/build.mjs [--no-types] [--only wasm|bundles]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, existsSync, readdirSync } from 'node:fs';
import { build } from 'esbuild';

const args = new Set(process.argv.slice(2));
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const bin = (name) => `node_modules/.bin/${name}`;

function step(label, fn) {
  const t0 = performance.now();
  fn();
  console.log(`build: ${label} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

/** Runs asc for one asconfig.json target; rejects with its exit code. */
function asc(target) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin('asc'), ['kernels/index.ts', '--config', 'asconfig.json', '--target', target], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`asc --target ${target} exited with ${code}`))));
  });
}

mkdirSync('build', { recursive: true });
mkdirSync('dist', { recursive: true });

if (!only || only === 'wasm') {
  // Two builds (asconfig.json targets): SIMD only, and SIMD + relaxed SIMD (runtime/wasm/relaxed-simd.ts picks).
  const t0 = performance.now();
  await Promise.all(['portable', 'relaxed'].map((target) => asc(target)));
  console.log(`build: asc kernels/ -> build/kernels.wasm, build/kernels-relaxed.wasm (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  loader: { '.wgsl': 'text', '.wasm': 'binary' },
  external: ['webgpu'],
  sourcemap: true,
  logLevel: 'warning',
};

/** Entry points: [input, output, platform, extra options]. */
const bundles = [
  ['test/portable/deno-main.ts', 'dist/test/portable-deno.js', 'neutral'],
  ['test/portable/deno-train.ts', 'dist/test/deno-train.js', 'neutral'],
  ['test/portable/browser-main.ts', 'dist/test/portable-browser.js', 'browser'],
];
for (const extra of ['src/cli/train.ts', 'src/cli/recommend.ts', 'src/cli/evaluate.ts', 'src/cli/compare-runs.ts', 'src/cli/average.ts']) {
  if (existsSync(extra)) bundles.push([extra, `dist/cli/${extra.split('/').pop().replace('.ts', '.js')}`, 'node', { packages: 'external' }]);
}
if (existsSync('demo/main.ts')) bundles.push(['demo/main.ts', 'dist/demo/main.js', 'browser']);

if (!only || only === 'bundles') {
  // The package's two entry points (package.json exports '.' and './internal'), split so they
  // share one copy of the runtime's modules (and so of its state, such as the autograd tapes).
  await build({
    ...common,
    entryPoints: { index: 'runtime/index.ts', internal: 'runtime/internal.ts' },
    outdir: 'dist',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'neutral',
    mainFields: ['module', 'main'],
  });
  for (const [entry, outfile, platform, extra] of bundles) {
    if (!existsSync(entry)) continue;
    await build({ ...common, entryPoints: [entry], outfile, platform, mainFields: ['module', 'main'], ...(extra ?? {}) });
  }
  console.log(`build: esbuild the package (dist/index.js, dist/internal.js) and ${bundles.filter(([e]) => existsSync(e)).length} bundles -> dist/`);
}

if (!only && !args.has('--no-types')) {
  step('tsc declarations -> dist/types', () => execFileSync(bin('tsc'), ['-p', 'tsconfig.json', '--emitDeclarationOnly'], { stdio: 'inherit' }));
}
