// The demo page: pick or generate data, train BERT4Rec in the browser (WebGPU, or WASM when
// there is no adapter), watch loss and validation NDCG@10, recommend, save/load checkpoints.
// State for tests and the curious: window.__demo.
import { createRuntime, type BackendChoice, type Runtime } from '../runtime/index.js';
import type { SequenceRecommender } from '../src/model/recommender.js';
import { recommendTopK } from '../src/model/recommend.js';
import { drawChart } from './chart.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { dataFromFile, syntheticData, type DemoData } from './data.js';
import { DemoTrainer, type EpochInfo } from './train.js';
import { $, fileBytes, numberInput, parseIdList, setDownload } from './ui.js';
import { parseItemEmbeddings, type ItemEmbeddings } from '../src/data/item-embeddings.js';

export interface DemoState {
  /** 'webgpu' or 'wasm' once the runtime exists. */
  backend: string | null;
  backendDescription: string;
  /** createRuntime's line saying which backend it picked and why. */
  backendLog: string;
  status: 'starting' | 'ready' | 'loading data' | 'data loaded' | 'training' | 'trained' | 'stopped' | 'checkpoint loaded' | 'error';
  data: { source: string; users: number; items: number; interactions: number } | null;
  losses: number[];
  epochs: EpochInfo[];
  recommendations: Array<{ item: number; score: number; title?: string }>;
  /** Where the recommending model came from. */
  model: 'trained' | 'loaded' | null;
  error: string | null;
}

declare global {
  interface Window {
    __demo: DemoState;
  }
}

const state: DemoState = {
  backend: null, backendDescription: '', backendLog: '', status: 'starting', data: null,
  losses: [], epochs: [], recommendations: [], model: null, error: null,
};
window.__demo = state;

let rt: Runtime | null = null;
let data: DemoData | null = null;
let trainer: DemoTrainer | null = null;
/** The model recommendations come from, with its item id maps (original <-> dense). */
let current: { model: SequenceRecommender; itemIndex: Map<number, number>; itemIds: Int32Array; owned: boolean } | null = null;
let stopRequested = false;

const logEl = $<HTMLPreElement>('log');
function log(line: string): void {
  logEl.textContent += `${line}\n`;
  logEl.scrollTop = logEl.scrollHeight;
}

function setStatus(s: DemoState['status'], detail = ''): void {
  state.status = s;
  $('status').textContent = detail ? `${s}: ${detail}` : s;
  const busy = s === 'training' || s === 'starting' || s === 'loading data';
  $<HTMLButtonElement>('train').disabled = busy || !data || !rt;
  $<HTMLButtonElement>('stop').disabled = s !== 'training';
  $<HTMLButtonElement>('recommend').disabled = busy || !current;
  $<HTMLButtonElement>('save').disabled = busy || !trainer;
  $<HTMLButtonElement>('synthetic').disabled = busy;
  $<HTMLSelectElement>('backend-select').disabled = busy;
  $<HTMLSelectElement>('model-select').disabled = busy;
}

function fail(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  state.error = msg;
  console.error(e);
  log(`error: ${msg}`);
  setStatus('error', msg);
}

/** Runs a UI action, turning exceptions into the page's error state. */
function action(fn: () => Promise<void>): () => void {
  return () => {
    fn().catch(fail);
  };
}

function dropModels(): void {
  if (current?.owned) current.model.dispose();
  current = null;
  trainer?.dispose();
  trainer = null;
  state.model = null;
}

async function startRuntime(choice: BackendChoice): Promise<void> {
  setStatus('starting');
  dropModels();
  rt?.destroy();
  rt = null;
  const lines: string[] = [];
  rt = await createRuntime({ backend: choice, log: (l) => lines.push(l) });
  state.backend = rt.name;
  state.backendDescription = rt.backend.description;
  state.backendLog = lines.join('; ');
  const fallback = rt.name === 'wasm' && choice === 'auto';
  $('backend').innerHTML = '';
  const b = document.createElement('b');
  b.id = 'backend-name';
  b.textContent = rt.name;
  $('backend').append(b, ` — ${rt.backend.description}`);
  if (fallback) {
    const w = document.createElement('div');
    w.className = 'warn';
    w.textContent = `No WebGPU adapter: falling back to WASM (${state.backendLog}). Chrome/Edge with WebGPU enabled use the GPU.`;
    $('backend').append(w);
  }
  log(state.backendLog || `backend: ${rt.name}`);
  setStatus(data ? 'data loaded' : 'ready');
}

function useData(d: DemoData): void {
  dropModels();
  data = d;
  const ds = d.dataset;
  state.data = { source: d.source, users: ds.numUsers, items: ds.numItems, interactions: ds.stats.final.interactions };
  $('data-info').textContent = `${d.source}\n${d.report}`;
  const sel = $<HTMLSelectElement>('user-select');
  sel.replaceChildren(new Option('(pick a user from the data)', ''));
  const shown = Math.min(ds.numUsers, 500);
  for (let u = 0; u < shown; u++) sel.add(new Option(`user ${ds.userIds[u]} (${ds.sequences[u].length} items)`, String(u)));
  state.losses = [];
  state.epochs = [];
  drawChart($<SVGSVGElement & HTMLElement>('chart'), [], []);
  setStatus('data loaded', `${ds.numUsers} users, ${ds.numItems} items`);
}

/** Item vectors from the page's optional file input (parsed when training starts). */
async function itemEmbeddingsOption(): Promise<ItemEmbeddings | undefined> {
  const f = await fileBytes($<HTMLInputElement>('item-embeddings'));
  return f ? parseItemEmbeddings(f.bytes, { file: f.name }) : undefined;
}

function trainOptions() {
  return {
    model: $<HTMLSelectElement>('model-select').value as 'bert4rec' | 'sasrec',
    epochs: numberInput('epochs'),
    batchSize: numberInput('batch'),
    maxLen: numberInput('maxlen'),
    hidden: numberInput('hidden'),
    layers: numberInput('layers'),
    lr: numberInput('lr'),
    maxSteps: numberInput('max-steps'),
  };
}

async function train(): Promise<void> {
  if (!rt || !data) throw new Error('load data first');
  dropModels();
  const o = { ...trainOptions(), itemEmbeddings: await itemEmbeddingsOption() };
  trainer = new DemoTrainer(rt, data, o);
  const t = trainer;
  if (t.pretrained) log(t.pretrained.report);
  current = { model: t.model, itemIndex: data.dataset.itemIndex, itemIds: data.dataset.itemIds, owned: false };
  state.model = 'trained';
  state.losses = [];
  state.epochs = [];
  stopRequested = false;
  const chart = $<SVGSVGElement & HTMLElement>('chart');
  const c = t.config.model;
  log(`model: ${t.model.displayName}, ${t.model.parameterCount().toLocaleString('en-US')} parameters (V=${data.dataset.numItems}, L=${c.maxLen}, d=${c.hidden}, ${c.layers} layer(s), ${c.heads} heads) on ${rt.name}`);
  log(`train: ${t.samples.count} samples, ${t.stepsPerEpoch} steps/epoch, ${t.totalSteps} steps`);
  setStatus('training', `0/${t.totalSteps}`);
  const t0 = performance.now();
  let lastDraw = 0;
  const result = await t.run({
    shouldStop: () => stopRequested,
    onStep: (s) => {
      state.losses.push(s.loss);
      const now = performance.now();
      if (now - lastDraw > 250) {
        lastDraw = now;
        drawChart(chart, state.losses, state.epochs);
        $('status').textContent = `training: step ${s.step}/${t.totalSteps}, epoch ${s.epoch}, loss ${s.loss.toFixed(4)}, ${s.ms.toFixed(0)} ms/step`;
      }
    },
    onEpoch: (e) => {
      state.epochs.push(e);
      drawChart(chart, state.losses, state.epochs);
      log(`epoch ${e.epoch}: loss ${e.meanLoss.toFixed(4)}${e.ndcg10 !== undefined ? `, valid NDCG@10 ${e.ndcg10.toFixed(4)}, HR@10 ${e.hr10!.toFixed(4)}` : ''} (step ${e.step})`);
    },
  });
  drawChart(chart, state.losses, state.epochs);
  const secs = (performance.now() - t0) / 1000;
  log(`${result.stopped ? 'stopped' : 'done'}: ${result.steps} steps in ${secs.toFixed(1)} s (${((1000 * secs) / Math.max(1, result.steps)).toFixed(0)} ms/step)`);
  setStatus(result.stopped ? 'stopped' : 'trained', `${result.steps} steps, ${secs.toFixed(1)} s`);
}

async function recommend(): Promise<void> {
  if (!current) throw new Error('train or load a model first');
  const text = $<HTMLInputElement>('history').value;
  const ids = parseIdList(text);
  const unknown = ids.filter((i) => !current!.itemIndex.has(i));
  const dense = Int32Array.from(ids.filter((i) => current!.itemIndex.has(i)), (i) => current!.itemIndex.get(i)!);
  if (unknown.length) log(`recommend: ignoring ${unknown.length} item id(s) the model does not know: ${unknown.slice(0, 10).join(', ')}`);
  const recs = await recommendTopK(current.model, dense, 10);
  const movies = data?.movies?.movies;
  state.recommendations = recs.map((r) => {
    const item = current!.itemIds[r.item];
    const title = movies?.get(item)?.title;
    return { item, score: r.score, ...(title ? { title } : {}) };
  });
  const ol = $<HTMLOListElement>('recs');
  ol.replaceChildren(
    ...state.recommendations.map((r) => {
      const li = document.createElement('li');
      li.textContent = `item ${r.item}${r.title ? ` — ${r.title}` : ''} (score ${r.score.toFixed(3)})`;
      return li;
    }),
  );
  log(`recommend: history of ${dense.length} item(s) -> ${state.recommendations.map((r) => r.item).join(', ')}`);
}

async function save(): Promise<void> {
  if (!trainer) throw new Error('train a model first');
  const files = await encodeCheckpoint(trainer);
  setDownload($<HTMLAnchorElement>('download-model'), files.model, 'model.safetensors', 'application/octet-stream');
  setDownload($<HTMLAnchorElement>('download-config'), files.config, 'config.json', 'application/json');
  log(`checkpoint: model.safetensors (${files.model.length.toLocaleString('en-US')} bytes) and config.json ready to download`);
}

async function load(): Promise<void> {
  if (!rt) throw new Error('no runtime');
  const m = await fileBytes($<HTMLInputElement>('load-model'));
  const c = await fileBytes($<HTMLInputElement>('load-config'));
  if (!m || !c) throw new Error('pick both model.safetensors and config.json');
  const loaded = await decodeCheckpoint(rt, { model: m.bytes, config: new TextDecoder().decode(c.bytes) });
  dropModels();
  current = { model: loaded.model, itemIndex: loaded.ids.itemIndex, itemIds: loaded.ids.itemIds, owned: true };
  state.model = 'loaded';
  const mc = loaded.config.model;
  log(`checkpoint: loaded ${m.name} (${loaded.config.numItems} items, L=${mc.maxLen}, d=${mc.hidden}, step ${loaded.config.step}, trained on ${loaded.config.backend})`);
  setStatus('checkpoint loaded', `${loaded.config.numItems} items; type a history and recommend`);
}

$('synthetic').addEventListener('click', action(async () => useData(syntheticData())));
$<HTMLInputElement>('file').addEventListener('change', action(async () => {
  const f = await fileBytes($<HTMLInputElement>('file'));
  if (!f) return;
  setStatus('loading data', f.name);
  await new Promise((r) => setTimeout(r, 0)); // let the status paint before parsing
  useData(dataFromFile(f.bytes, f.name));
}));
$('train').addEventListener('click', action(train));
$('stop').addEventListener('click', () => {
  stopRequested = true;
});
$('recommend').addEventListener('click', action(recommend));
$('save').addEventListener('click', action(save));
$('load').addEventListener('click', action(load));
$<HTMLSelectElement>('user-select').addEventListener('change', () => {
  const u = Number($<HTMLSelectElement>('user-select').value);
  if (!data || $<HTMLSelectElement>('user-select').value === '') return;
  $<HTMLInputElement>('history').value = Array.from(data.dataset.sequences[u], (i) => data!.dataset.itemIds[i]).join(', ');
});
$<HTMLSelectElement>('backend-select').addEventListener('change', action(() => startRuntime($<HTMLSelectElement>('backend-select').value as BackendChoice)));

drawChart($<SVGSVGElement & HTMLElement>('chart'), [], []);
startRuntime('auto').catch(fail);
