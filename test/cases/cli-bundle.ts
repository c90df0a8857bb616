// Builds the CLIs into `dir` with the same esbuild options as scripts/build.mjs (WGSL as text,
// WASM inlined, packages external), so tests run what `npm run train` runs.
import { join } from 'node:path';
import { build } from 'esbuild';

export async function buildCliBundles(dir: string, names: ReadonlyArray<'train' | 'recommend' | 'evaluate' | 'compare-runs'>): Promise<void> {
  for (const name of names) {
    await build({
      entryPoints: [join(process.cwd(), 'src/cli', `${name}.ts`)],
      outfile: join(dir, `${name}.js`),
      bundle: true, format: 'esm', target: 'es2022', platform: 'node', packages: 'external',
      loader: { '.wgsl': 'text', '.wasm': 'binary' }, logLevel: 'warning',
    });
  }
}
