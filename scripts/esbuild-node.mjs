// esbuild options shared by the scripts that bundle a Node entry point with the project's
// asset loaders (.wgsl as text, .wasm as bytes) and `webgpu` (Dawn, native) left external.
export const nodeBundleOptions = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  loader: { '.wgsl': 'text', '.wasm': 'binary' },
  external: ['webgpu'],
  logLevel: 'warning',
  // Bundled CommonJS dependencies may call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
};
