// Entry for `deno run`: runs the portable suites on WebGPU (navigator.gpu) and WASM.
import { runPortable } from './runner.js';

declare const Deno: { exit(code: number): never; args: string[] };

const summary = await runPortable(['webgpu', 'wasm'], (line) => console.log(line));
console.log(`DENO_SUMMARY ${JSON.stringify({ backends: summary.backends, passed: summary.passed, failed: summary.failed })}`);
Deno.exit(summary.failed === 0 && summary.passed > 0 ? 0 : 1);
