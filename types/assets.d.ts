// Build-time assets: the build (esbuild, and the vitest plugin) inlines these.
declare module '*.wgsl' {
  const source: string;
  export default source;
}
declare module '*.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
