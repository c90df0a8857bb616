// `npm run bench -- [args]`: builds what the benchmarks need, then runs them in Node.
//  1. build/kernels.wasm and kernels-relaxed.wasm, rebuilt when any kernels/*.ts is newer (node scripts/build.mjs --only wasm);
//  2. build/peak.wasm and peak-relaxed.wasm from bench/ceiling/peak.ts (asc, separately from the kernels);
//  3. dist/bench/run.js: esbuild bundle of bench/run.ts with the project's loaders (.wgsl text,
//     .wasm bytes) and a generated module 'bench:cases' importing every bench/cases/*.ts,
//     so a new case file is picked up without editing the runner;
//  4. node dist/bench/run.js [args].
// With --profile, step 3 on is replaced by dist/bench/profile-step.js (bench/profile/step.ts).
// With --compare, step 3 on is replaced by dist/bench/compare.js (bench/compare/main.ts): ours vs
// TensorFlow.js and jax-js, one child process per backend.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { nodeBundleOptions } from './esbuild-node.mjs';

const bin = (name) => `node_modules/.bin/${name}`;
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
mkdirSync('build', { recursive: true });

const kernelSources = readdirSync('kernels').filter((f) => f.endsWith('.ts')).map((f) => `kernels/${f}`);
const kernelBuilds = ['build/kernels.wasm', 'build/kernels-relaxed.wasm'];
const kernelInputs = [...kernelSources, 'asconfig.json'];
if (kernelBuilds.some((out) => !existsSync(out) || kernelInputs.some((f) => mtime(f) > mtime(out)))) {
  execFileSync('node', ['scripts/build.mjs', '--only', 'wasm'], { stdio: 'inherit' });
}

for (const [target, out] of [['portable', 'build/peak.wasm'], ['relaxed', 'build/peak-relaxed.wasm']]) {
  if (Math.max(mtime('bench/ceiling/peak.ts'), mtime('bench/ceiling/asconfig.json'), mtime('kernels/simd.ts')) > mtime(out)) {
    execFileSync(bin('asc'), ['bench/ceiling/peak.ts', '--config', 'bench/ceiling/asconfig.json', '--target', target], { stdio: 'inherit' });
  }
}

// --profile: one training step's time per WASM kernel (bench/profile/step.ts).
if (process.argv.includes('--profile')) {
  await build({ entryPoints: ['bench/profile/step.ts'], ...nodeBundleOptions, outfile: 'dist/bench/profile-step.js', sourcemap: true });
  const p = spawnSync('node', ['--enable-source-maps', 'dist/bench/profile-step.js', ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(p.status ?? 1);
}

// --compare: our kernels and training step against TensorFlow.js and jax-js
// (bench/compare/main.ts), in its own bundle: TensorFlow.js and `webgpu` stay external (loaded
// from node_modules at run time; TFJS must be imported after navigator.gpu exists); jax-js is
// bundled and imported lazily.
if (process.argv.includes('--compare')) {
  await build({
    entryPoints: ['bench/compare/main.ts'],
    ...nodeBundleOptions,
    outfile: 'dist/bench/compare.js',
    external: [...nodeBundleOptions.external, '@tensorflow/*', 'esbuild'],
    sourcemap: true,
  });
  const c = spawnSync('node', ['--enable-source-maps', 'dist/bench/compare.js', ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(c.status ?? 1);
}


const caseFiles = readdirSync('bench/cases').filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
const benchCasesPlugin = {
  name: 'bench-cases',
  setup(b) {
    b.onResolve({ filter: /^bench:cases$/ }, () => ({ path: 'bench:cases', namespace: 'bench-cases' }));
    b.onLoad({ filter: /.*/, namespace: 'bench-cases' }, () => ({
      resolveDir: resolve('bench/cases'),
      loader: 'js',
      contents:
        caseFiles.map((f, i) => `import * as m${i} from './${f}';`).join('\n') +
        `\nexport const caseModules = [${caseFiles.map((f, i) => `[${JSON.stringify(f.replace(/\.ts$/, ''))}, m${i}]`).join(', ')}];\n`,
    }));
  },
};

await build({
  entryPoints: ['bench/run.ts'],
  ...nodeBundleOptions,
  outfile: 'dist/bench/run.js',
  sourcemap: true,
  plugins: [benchCasesPlugin],
});

const r = spawnSync('node', ['--enable-source-maps', 'dist/bench/run.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
