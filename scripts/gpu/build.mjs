// Prepares .gpu/ (ignored by git: add `/.gpu/` to .git/info/exclude) for a run on a lent GPU
// machine that has no Node: scripts/gpu/run-h200.sh unpacks and runs it there.
//   .gpu/node.xz                            this machine's node binary, xz-compressed
//   .gpu/node_modules/webgpu/...            the `webgpu` package (Dawn), linux-x64 only, dawn.node xz-compressed
//   .gpu/run.js                             the benchmark bundle (dist/bench/run.js, built by `npm run bench -- --list`)
//   .gpu/matmul-sizes.js                    scripts/gpu/matmul-sizes.ts, bundled
// Usage (repo root): node scripts/gpu/build.mjs
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { build } from 'esbuild';
import { nodeBundleOptions } from '../esbuild-node.mjs';

const dir = '.gpu';
mkdirSync(`${dir}/node_modules/webgpu/dist/linux-x64`, { recursive: true });
const xz = (src, dst) => {
  if (existsSync(dst) && statSync(dst).mtimeMs > statSync(src).mtimeMs) return;
  execFileSync('sh', ['-c', `xz -T2 -6 -c "${src}" > "${dst}"`], { stdio: 'inherit' });
};
xz(process.execPath, `${dir}/node.xz`);
for (const f of ['index.js', 'package.json', 'LICENSE.md']) copyFileSync(`node_modules/webgpu/${f}`, `${dir}/node_modules/webgpu/${f}`);
xz('node_modules/webgpu/dist/linux-x64/dawn.node', `${dir}/node_modules/webgpu/dist/linux-x64/dawn.node.xz`);

// The benchmark bundle, exactly as `npm run bench` builds it (--list only lists the cases).
execFileSync('node', ['scripts/bench.mjs', '--list'], { stdio: ['ignore', 'ignore', 'inherit'] });
copyFileSync('dist/bench/run.js', `${dir}/run.js`);

await build({
  entryPoints: ['scripts/gpu/matmul-sizes.ts'],
  ...nodeBundleOptions,
  outfile: `${dir}/matmul-sizes.js`,
});
console.log(execFileSync('du', ['-ah', dir], { encoding: 'utf8' }));
