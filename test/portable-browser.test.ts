// The portable kernel suite inside headless Chromium (WebGPU on SwiftShader, and WASM).
// Needs `npm run build` first (npm test does it). Fails, never skips, without an adapter.
import { expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { useChromiumAndServer } from './browser/chromium.js';

const session = useChromiumAndServer();

it('kernel suite passes in Chromium on WebGPU and WASM', async () => {
  const page = await session.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${session.url}/test/portable/index.html`);
  const adapter = await page.evaluate(async () => {
    const a = await navigator.gpu?.requestAdapter();
    return a ? `${a.info.vendor} ${a.info.architecture} ${a.info.description}`.trim() : null;
  });
  expect(adapter, 'Chromium has no WebGPU adapter (is --enable-unsafe-webgpu set?)').toBeTruthy();
  await page.waitForFunction(() => window.__portableResults || window.__portableError, null, { timeout: 600_000 });
  const { error, summary } = await page.evaluate(() => ({ error: window.__portableError, summary: window.__portableResults }));
  mkdirSync('test-artifacts', { recursive: true });
  await page.screenshot({ path: 'test-artifacts/portable-suite.png', fullPage: false });
  expect(error, 'the page threw').toBeUndefined();
  expect(errors).toEqual([]);
  const failures = summary!.results.filter((r) => !r.ok).map((r) => `[${r.backend}] ${r.name}: ${r.error}`);
  expect(failures).toEqual([]);
  expect(Object.keys(summary!.backends).sort()).toEqual(['wasm', 'webgpu']);
  expect(summary!.passed).toBeGreaterThan(100);
}, 600_000); // the whole kernel suite on two backends in Chromium (70 s measured; room for a busy CI machine)
