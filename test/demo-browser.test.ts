// The demo page in headless Chromium (WebGPU on SwiftShader): synthetic data, 200
// training steps of a small BERT4Rec (and 120 of a SASRec, the page's model choice), falling loss, top-10 recommendations, a screenshot in
// test-artifacts/demo.png, and a checkpoint download + load round trip that recommends the
// same items (on WebGPU, then on the WASM backend). Needs `npm run build` first (npm test
// does it). Fails, never skips, without an adapter.
import { expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { useChromiumAndServer } from './browser/chromium.js';

const session = useChromiumAndServer();

const demo = (page: Page) => page.evaluate(() => window.__demo);
const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;

/** Clicks "load" (the chosen checkpoint files), checks it loaded, then asks for recommendations. */
async function loadAndRecommend(page: Page) {
  await page.click('#load');
  await page.waitForFunction(() => ['checkpoint loaded', 'error'].includes(window.__demo.status));
  expect((await demo(page)).error).toBeNull();
  expect((await demo(page)).model).toBe('loaded');
  await page.evaluate(() => {
    window.__demo.recommendations = [];
  });
  await page.click('#recommend');
  await page.waitForFunction(() => window.__demo.recommendations.length > 0);
  return (await demo(page)).recommendations;
}

it('trains BERT4Rec on WebGPU in the browser, recommends, and round-trips a checkpoint', async () => {
  const page = await session.browser.newPage({ acceptDownloads: true, viewport: { width: 1000, height: 1100 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${session.url}/demo/index.html`);
  await page.waitForFunction(() => window.__demo && window.__demo.status !== 'starting', null, { timeout: 60_000 });
  const start = await demo(page);
  expect(start.error, 'the page failed to start').toBeNull();
  expect(start.backend, `Chromium picked no WebGPU adapter (is --enable-unsafe-webgpu set?): ${start.backendLog}`).toBe('webgpu');
  await expect.poll(() => page.textContent('#backend-name')).toBe('webgpu');

  await page.click('#synthetic');
  await page.waitForFunction(() => window.__demo.status === 'data loaded');
  const data = (await demo(page)).data!;
  expect(data.items).toBe(60);
  expect(data.users).toBe(200);

  // Small model: d=16, L=20, 1 layer, batch 32: ~18 steps/epoch, 200 steps
  // (~0.35 s/step on SwiftShader with 2 CPU cores, plus a validation pass per epoch).
  await page.fill('#epochs', '30');
  await page.fill('#max-steps', '200');
  await page.fill('#hidden', '16');
  await page.fill('#maxlen', '20');
  await page.fill('#layers', '1');
  await page.fill('#batch', '32');
  await page.fill('#lr', '0.01');
  const t0 = Date.now();
  await page.click('#train');
  await page.waitForFunction(() => ['trained', 'stopped', 'error'].includes(window.__demo.status), null, { timeout: 300_000 });
  const trainedMs = Date.now() - t0;
  const trained = await demo(page);
  expect(trained.error, 'training failed').toBeNull();
  expect(trained.status).toBe('trained');
  expect(trained.losses).toHaveLength(200);
  const first = mean(trained.losses.slice(0, 20));
  const last = mean(trained.losses.slice(-20));
  console.log(`demo: 200 steps on ${trained.backendDescription} in ${(trainedMs / 1000).toFixed(1)} s; loss ${first.toFixed(3)} -> ${last.toFixed(3)}; valid NDCG@10 ${trained.epochs.map((e) => e.ndcg10?.toFixed(3)).join(' ')}`);
  expect(last, `loss did not fall: first 20 steps ${first}, last 20 ${last}`).toBeLessThan(first - 0.5);
  const ndcg = trained.epochs.filter((e) => e.ndcg10 !== undefined).map((e) => e.ndcg10!);
  expect(ndcg.length).toBeGreaterThan(1);
  // Random ranking of 60 items gives NDCG@10 ~ 0.07; the cluster walk is learnable
  // (measured: loss 4.13 -> 3.06, NDCG@10 0.78 after 200 steps).
  expect(ndcg[ndcg.length - 1]).toBeGreaterThan(0.4);
  expect(await page.locator('#chart polyline').count()).toBeGreaterThanOrEqual(2);

  // Recommend for a user picked from the data.
  await page.selectOption('#user-select', '0');
  expect(await page.inputValue('#history')).not.toBe('');
  await page.click('#recommend');
  await page.waitForFunction(() => window.__demo.recommendations.length > 0);
  const recs = (await demo(page)).recommendations;
  expect(recs).toHaveLength(10);
  expect(await page.locator('#recs li').count()).toBe(10);
  const history = new Set((await page.inputValue('#history')).split(',').map((s) => Number(s.trim())));
  for (const r of recs) {
    expect(r.item).toBeGreaterThanOrEqual(1);
    expect(r.item).toBeLessThanOrEqual(60);
    expect(history.has(r.item), `recommended item ${r.item} is in the history`).toBe(false);
  }
  mkdirSync('test-artifacts', { recursive: true });
  await page.screenshot({ path: 'test-artifacts/demo.png', fullPage: true });

  // Checkpoint: download both files, load them back, recommend the same items.
  await page.click('#save');
  await page.waitForSelector('#download-config:not([hidden])');
  const files: Record<string, string> = {};
  for (const id of ['download-model', 'download-config']) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#${id}`)]);
    const path = `test-artifacts/${download.suggestedFilename()}`;
    await download.saveAs(path);
    files[id] = path;
  }
  expect(files['download-model']).toMatch(/model\.safetensors$/);
  const config = JSON.parse(readFileSync(files['download-config'], 'utf8'));
  expect(config.format).toBe('webgpu-bert4rec-checkpoint');
  expect(config.numItems).toBe(60);
  expect(config.model.hidden).toBe(16);
  await page.setInputFiles('#load-model', files['download-model']);
  await page.setInputFiles('#load-config', files['download-config']);
  const again = await loadAndRecommend(page);
  expect(again.map((r) => r.item)).toEqual(recs.map((r) => r.item));
  for (let k = 0; k < 10; k++) expect(again[k].score).toBeCloseTo(recs[k].score, 4);

  // The same checkpoint on the page's WASM backend (the fallback path) ranks the same items.
  await page.selectOption('#backend-select', 'wasm');
  await page.waitForFunction(() => window.__demo.backend === 'wasm' && window.__demo.status !== 'starting');
  await expect.poll(() => page.textContent('#backend-name')).toBe('wasm');
  const onWasm = await loadAndRecommend(page);
  expect(onWasm.map((r) => r.item)).toEqual(recs.map((r) => r.item));
  for (let k = 0; k < 10; k++) expect(onWasm[k].score).toBeCloseTo(recs[k].score, 3);
  expect(errors).toEqual([]);
}, 360_000);

it('trains SASRec in the browser (model choice, item vectors from a file), recommends, and round-trips its checkpoint', async () => {
  const page = await session.browser.newPage({ acceptDownloads: true, viewport: { width: 1000, height: 1100 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${session.url}/demo/index.html`);
  await page.waitForFunction(() => window.__demo && window.__demo.status !== 'starting', null, { timeout: 60_000 });
  expect((await demo(page)).backend).toBe('webgpu');
  await page.click('#synthetic');
  await page.waitForFunction(() => window.__demo.status === 'data loaded');
  await page.selectOption('#model-select', 'sasrec');
  // Item vectors for the 60 synthetic items (original ids 1..60), 8 wide: PCA-centred to d = 16 (zero-padded).
  mkdirSync('test-artifacts', { recursive: true });
  const vectors = Array.from({ length: 60 }, (_, i) => [i + 1, ...Array.from({ length: 8 }, (_, j) => Math.cos((i + 1) * 0.37 + j).toFixed(4))].join(',')).join('\n');
  writeFileSync('test-artifacts/item-vectors.csv', `item_id,${Array.from({ length: 8 }, (_, j) => `v${j}`).join(',')}\n${vectors}\n`);
  await page.setInputFiles('#item-embeddings', 'test-artifacts/item-vectors.csv');
  await page.fill('#epochs', '30');
  await page.fill('#max-steps', '120');
  await page.fill('#hidden', '16');
  await page.fill('#maxlen', '20');
  await page.fill('#layers', '1');
  await page.fill('#batch', '32');
  await page.fill('#lr', '0.01');
  await page.click('#train');
  await page.waitForFunction(() => ['trained', 'stopped', 'error'].includes(window.__demo.status), null, { timeout: 300_000 });
  const trained = await demo(page);
  expect(trained.error, 'training failed').toBeNull();
  expect(trained.losses).toHaveLength(120);
  expect(await page.textContent('#log')).toMatch(/60 of 60 items covered/);
  const first = mean(trained.losses.slice(0, 15));
  const last = mean(trained.losses.slice(-15));
  console.log(`demo SASRec: loss ${first.toFixed(3)} -> ${last.toFixed(3)}; valid NDCG@10 ${trained.epochs.map((e) => e.ndcg10?.toFixed(3)).join(' ')}`);
  expect(last, `loss did not fall: first 15 steps ${first}, last 15 ${last}`).toBeLessThan(first - 0.5);
  // Random ranking of 60 items gives NDCG@10 ~ 0.07.
  expect(trained.epochs.at(-1)!.ndcg10!).toBeGreaterThan(0.3);
  await page.selectOption('#user-select', '0');
  await page.click('#recommend');
  await page.waitForFunction(() => window.__demo.recommendations.length > 0);
  const recs = (await demo(page)).recommendations;
  expect(recs).toHaveLength(10);
  await page.click('#save');
  await page.waitForSelector('#download-config:not([hidden])');
  const files: Record<string, string> = {};
  for (const id of ['download-model', 'download-config']) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#${id}`)]);
    const path = `test-artifacts/sasrec-${download.suggestedFilename()}`;
    await download.saveAs(path);
    files[id] = path;
  }
  expect(JSON.parse(readFileSync(files['download-config'], 'utf8')).model.architecture).toBe('sasrec');
  await page.setInputFiles('#load-model', files['download-model']);
  await page.setInputFiles('#load-config', files['download-config']);
  const again = await loadAndRecommend(page);
  expect(again.map((r) => r.item)).toEqual(recs.map((r) => r.item));
  expect(errors).toEqual([]);
}, 360_000);
