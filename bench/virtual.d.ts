// The module scripts/bench.mjs generates at build time: every bench/cases/*.ts, by file stem.
declare module 'bench:cases' {
  import type { BenchCase } from './types.js';
  export const caseModules: Array<[string, { benchCases?: BenchCase[] }]>;
}
