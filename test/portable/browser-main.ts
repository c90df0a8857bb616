// Entry for the browser: runs the portable suites and publishes the summary on window.
import { runPortable, type RunSummary } from './runner.js';

declare global {
  interface Window {
    __portableResults?: RunSummary;
    __portableError?: string;
  }
}

const out = document.getElementById('log');
runPortable(['webgpu', 'wasm'], (line) => {
  if (out) out.textContent += line + '\n';
})
  .then((summary) => {
    window.__portableResults = summary;
  })
  .catch((e) => {
    window.__portableError = e instanceof Error ? e.stack ?? e.message : String(e);
  });
