// Prepares .gpu/ for training runs on a lent GPU machine without Node (after scripts/gpu/build.mjs
// has put node and Dawn there): the train CLI as one bundle (only `webgpu` left external), the
// ML-1M ratings and the movie embeddings. Usage (repo root):
//   node scripts/gpu/build.mjs && node scripts/gpu/build-train.mjs
import { copyFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { nodeBundleOptions } from '../esbuild-node.mjs';

mkdirSync('.gpu/data', { recursive: true });
await build({
  entryPoints: ['src/cli/train.ts'],
  ...nodeBundleOptions,
  outfile: '.gpu/train.js',
});
copyFileSync('../shared/datasets/ml-1m/ratings_reconstructed.dat.gz', '.gpu/data/ratings.dat.gz');
execFileSync('node', ['scripts/movie-embeddings.mjs', '--movies', '../shared/datasets/ml-1m/movies.dat.gz', '--dim', '64', '--out', '.gpu/data/movies-64.safetensors'], { stdio: 'inherit' });
console.log(execFileSync('du', ['-ah', '.gpu'], { encoding: 'utf8' }));
