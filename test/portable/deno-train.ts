// Entry for `deno run`: short BERT4Rec and SASRec training runs on synthetic data, on WebGPU
// (navigator.gpu) and on WASM, with the demo's platform-neutral trainer. Prints one line
// DENO_TRAIN_SUMMARY {json} with per-backend losses (100 steps), validation NDCG@10, a
// recommendation and whether a checkpoint reloaded in memory recommends the same items.
import { createRuntime, type BackendName } from '../../runtime/index.js';
import { syntheticData } from '../../demo/data.js';
import { DemoTrainer } from '../../demo/train.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../demo/checkpoint.js';
import { recommendTopK } from '../../src/model/recommend.js';
import { parseItemEmbeddings } from '../../src/data/item-embeddings.js';

declare const Deno: { exit(code: number): never } | undefined;

interface BackendResult {
  description?: string;
  steps?: number;
  firstLoss?: number;
  lastLoss?: number;
  meanFirst10?: number;
  meanLast10?: number;
  ndcg10?: number;
  recommendations?: number[];
  reloadedMatches?: boolean;
  embeddingsCovered?: number;
  seconds?: number;
  error?: string;
}

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const data = syntheticData({ users: 120, clusters: 4, clusterSize: 8, minLen: 10, maxLen: 20, seed: 3 });
// Item vectors keyed by the data's original ids (text lines "id v1 .. v8"), for every item but the
// first: the SASRec runs start from them (the same vectors on both backends).
const itemIds = Array.from(data.dataset.itemIds.subarray(2));
const vectorText = itemIds.map((id, r) => [id, ...Array.from({ length: 8 }, (_, j) => Math.sin(id * 1.7 + j * 0.9 + r * 0.01).toFixed(4))].join(' ')).join('\n');
const itemEmbeddings = parseItemEmbeddings(vectorText, { file: 'vectors.txt' });
const results: Record<string, BackendResult> = {};
for (const [backend, model] of [['webgpu', 'bert4rec'], ['wasm', 'bert4rec'], ['webgpu', 'sasrec'], ['wasm', 'sasrec']] as [BackendName, 'bert4rec' | 'sasrec'][]) {
  const t0 = performance.now();
  const key = model === 'bert4rec' ? backend : `${backend}-${model}`;
  try {
    const rt = await createRuntime({ backend });
    results[key] = { description: rt.backend.description };
    const trainer = new DemoTrainer(rt, data, { model, epochs: 100, maxSteps: 100, batchSize: 32, maxLen: 16, hidden: 16, layers: 1, lr: 1e-2, dropout: 0, evalEvery: 0, ...(model === 'sasrec' && { itemEmbeddings }) });
    if (trainer.pretrained) results[key].embeddingsCovered = trainer.pretrained.coveredCount;
    const run = await trainer.run();
    const v = await trainer.validate();
    const history = data.dataset.sequences[0];
    const recs = await trainer.recommend(history, 10);
    // Checkpoint round trip in memory: the reloaded model recommends the same items.
    const files = await encodeCheckpoint(trainer);
    const loaded = await decodeCheckpoint(rt, files);
    const recs2 = await recommendTopK(loaded.model, history, 10);
    loaded.model.dispose();
    trainer.dispose();
    rt.destroy();
    Object.assign(results[key], {
      steps: run.steps,
      firstLoss: run.losses[0],
      lastLoss: run.losses[run.losses.length - 1],
      meanFirst10: mean(run.losses.slice(0, 10)),
      meanLast10: mean(run.losses.slice(-10)),
      ndcg10: v.ndcg10,
      recommendations: recs.map((r) => r.item),
      reloadedMatches: JSON.stringify(recs.map((r) => r.item)) === JSON.stringify(recs2.map((r) => r.item)),
      seconds: (performance.now() - t0) / 1000,
    });
    console.log(`${key}: ${run.steps} steps, loss ${run.losses[0].toFixed(3)} -> ${run.losses[run.losses.length - 1].toFixed(3)}, valid NDCG@10 ${v.ndcg10.toFixed(3)}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    results[key] = { ...results[key], error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    console.log(`${key}: FAILED ${results[key].error}`);
  }
}
console.log(`DENO_TRAIN_SUMMARY ${JSON.stringify({ items: data.dataset.numItems, users: data.dataset.numUsers, backends: results })}`);
const ok = Object.values(results).every((r) => !r.error);
if (typeof Deno !== 'undefined') Deno.exit(ok ? 0 : 1);
