// Vite/vitest plugin: imports of .wgsl give the source text, imports of .wasm give
// the bytes (a Uint8Array), as the esbuild build does with its text/binary loaders.
import { readFileSync } from 'node:fs';

export function assetPlugin() {
  return {
    name: 'wgsl-wasm-assets',
    enforce: 'pre',
    load(id) {
      const path = id.split('?')[0];
      if (path.endsWith('.wgsl')) {
        return `export default ${JSON.stringify(readFileSync(path, 'utf8'))};`;
      }
      if (path.endsWith('.wasm')) {
        const b64 = readFileSync(path).toString('base64');
        return `const s = atob(${JSON.stringify(b64)}); const b = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); export default b;`;
      }
      return null;
    },
  };
}
