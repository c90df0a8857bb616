// Runs a scale benchmark: bundles bench/scale/<name>.ts with the project's loaders (.wgsl as
// text, .wasm as bytes; build/kernels*.wasm must exist: node scripts/build.mjs --only wasm)
// into dist/bench/scale-<name>.js and runs it with the remaining arguments.
//   node bench/scale/run.mjs load --data /tmp/ml20m-synth/ratings.csv
//   node bench/scale/run.mjs model --data /tmp/ml20m-synth/ratings.csv --eval-users 4096
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { build } from 'esbuild';

const [name, ...args] = process.argv.slice(2);
const entry = `bench/scale/${name}.ts`;
if (!name || !existsSync(entry)) {
  console.error(`usage: node bench/scale/run.mjs (load | model) [args]; no ${entry}`);
  process.exit(2);
}
const outfile = `dist/bench/scale-${name}.js`;
await build({
  entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'node', target: 'es2022',
  loader: { '.wgsl': 'text', '.wasm': 'binary' }, packages: 'external', logLevel: 'warning',
});
const r = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
