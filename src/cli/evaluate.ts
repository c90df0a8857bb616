// npm run evaluate -- --checkpoint DIR [options]: test metrics of a saved checkpoint under the
// run's protocols (or others), computed by the same code as the end of `npm run train`
// (src/train/evaluation.ts), so the best checkpoint reproduces the run's test figures.
// The data: the checkpoint's own user sequences (default), or --data/--dataset re-read and
// checked against the checkpoint's id maps.
import { writeFile } from 'node:fs/promises';
import { type BackendChoice, type Runtime } from '../../runtime/index.js';
import { CheckpointError, loadModelWeights, loadSequences, readCheckpointConfig } from '../checkpoint.js';
import { DEFAULT_MODEL, DEFAULT_TRAIN } from '../config.js';
import type { Dataset } from '../data/preprocess.js';
import { leaveOneOut } from '../data/split.js';
import { createModel } from '../model/create.js';
import { modelScorer } from '../model/score.js';
import { DEFAULT_PREPROCESS, defaultCacheDir, loadTrainingData, type PreprocessSettings } from '../train/data.js';
import { evalPlan, RunEvaluator } from '../train/evaluation.js';
import { formatProtocolTable, formatRanksTsv } from '../train/report.js';
import { choiceFlag, createCliRuntime, intFlag, parseCommand, runMain, UsageError } from './common.js';
import { applyConfigFlags, EVAL_FLAGS, flagHelp, parseArgsOptions } from './config-flags.js';
import { DATA_OPTIONS, dataOptions } from './data-flags.js';

// The evaluation flags of train, without those that only steer training.
const EVALUATE_FLAGS = EVAL_FLAGS.filter((f) => f.flag !== 'patience' && f.flag !== 'valid-metric');

const HELP = `Usage: npm run evaluate -- --checkpoint DIR [options]

Test metrics of a checkpoint (BERT4Rec or SASRec beside the most-popular baseline). Without options it
repeats the run's own test: same protocols, metrics, seed (sampled negatives) and users, so
out/checkpoint-best reproduces the figures the training run printed.

  --checkpoint DIR     a checkpoint directory (checkpoint-best, checkpoint-last, checkpoint-epoch-E)
  --data PATH | --dataset NAME
                       evaluate on data read again (with the data and preprocessing flags of
                       npm run train -- --help); it must give the checkpoint's users and items.
                       Default: the user sequences stored in the checkpoint
Evaluation (default: the run's settings)
${flagHelp(EVALUATE_FLAGS, { model: DEFAULT_MODEL, train: DEFAULT_TRAIN })}
  --seed N             seed of the sampled negatives (default: the run's)
  --eval-batch N       rows per forward pass (default 128, as npm run train)
  --backend NAME       auto (default), webgpu, wasm
  --json FILE          also write the results as JSON
  --ranks FILE         also write each test user's rank of the held-out item, one TSV line per
                       user: user_id, item_id (the data's own ids), then the 1-based rank under
                       each protocol (for per-user comparisons between runs or groups of users)
  --verbose            show the WebGPU driver's own warnings
  --help               this text
`;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, HELP, {
    ...DATA_OPTIONS,
    ...parseArgsOptions(EVALUATE_FLAGS),
    checkpoint: { type: 'string' },
    seed: { type: 'string' },
    'eval-batch': { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'string' },
    ranks: { type: 'string' },
    verbose: { type: 'boolean' },
  });
  if (!parsed) return 0;
  const a = parsed.values;
  if (!a.checkpoint) throw new UsageError('--checkpoint DIR is required (see --help)');
  const backend = (choiceFlag('backend', a.backend, ['auto', 'webgpu', 'wasm'] as const) ?? 'auto') as BackendChoice;
  const evalBatch = intFlag('eval-batch', a['eval-batch'], 1) ?? 128;
  const ck = await readCheckpointConfig(a.checkpoint);
  let config = applyConfigFlags({ model: ck.model, train: ck.train }, EVALUATE_FLAGS, a);
  if (a.seed !== undefined) config = { ...config, train: { ...config.train, seed: intFlag('seed', a.seed, 0)! } };
  const log = (line: string) => console.log(line);

  let dataset: Dataset;
  if (a.data || a.dataset) {
    const recorded = (ck.data as { preprocess?: PreprocessSettings }).preprocess;
    const flags = dataOptions(a);
    // The run's recorded preprocessing, each setting replaced only where its flag is given.
    const pp: PreprocessSettings = { ...(recorded ?? DEFAULT_PREPROCESS) };
    if (a['min-user'] !== undefined) pp.minUser = flags.preprocess!.minUser;
    if (a['min-item'] !== undefined) pp.minItem = flags.preprocess!.minItem;
    if (a['min-rating'] !== undefined) pp.minRating = flags.preprocess!.minRating;
    if (a['one-pass'] !== undefined) pp.filter = flags.preprocess!.filter;
    const prepared = await loadTrainingData({ ...flags, preprocess: pp, cacheDir: defaultCacheDir(), log });
    dataset = prepared.dataset;
    const same = dataset.numItems === ck.numItems && dataset.numUsers === ck.ids.userIds.length
      && dataset.itemIds.every((id, i) => id === ck.ids.itemIds[i]) && dataset.userIds.every((id, u) => id === ck.ids.userIds[u]);
    if (!same) {
      throw new CheckpointError(`${a.checkpoint} was trained on ${ck.data.source} (${ck.ids.userIds.length} users, ${ck.numItems} items); this data gives ${dataset.numUsers} users and ${dataset.numItems} items with other ids. Use the same file and preprocessing flags (recorded: ${JSON.stringify(recorded ?? 'none')}), or leave out --data to use the checkpoint's sequences`);
    }
  } else {
    const sequences = await loadSequences(a.checkpoint);
    if (!sequences) throw new CheckpointError(`${a.checkpoint} holds no user sequences (sequences.safetensors); pass --data FILE with the training data`);
    if (sequences.length !== ck.ids.userIds.length) throw new CheckpointError(`${a.checkpoint}: ${sequences.length} sequences for ${ck.ids.userIds.length} users in config.json`);
    dataset = datasetFromCheckpoint(ck.ids, sequences);
    log(`data: the checkpoint's ${sequences.length.toLocaleString('en-US')} user sequences (${ck.data.source}), ${ck.numItems.toLocaleString('en-US')} items`);
  }

  const plan = evalPlan(config.train);
  const evaluator = new RunEvaluator(leaveOneOut(dataset), plan, { maxLen: config.model.maxLen, seed: config.train.seed, batchSize: evalBatch * 4, lengthBucket: config.train.lengthBucket });
  let rt: Runtime | null = null;
  try {
    rt = await createCliRuntime(backend, { log, verbose: a.verbose });
    const model = createModel(rt, ck.numItems, ck.model, 0);
    await loadModelWeights(a.checkpoint, model, ck.step);
    const t0 = performance.now();
    const results = await evaluator.test(modelScorer(model, evalBatch));
    model.dispose();
    const described = results.protocols.map((p) => `${p.protocol}: ${p.description}`).join('; ');
    log(`checkpoint: ${a.checkpoint} (epoch ${ck.epoch}, step ${ck.step}${ck.best ? `, best ${ck.best.metric} ${ck.best.value.toFixed(4)} at epoch ${ck.best.epoch}` : ''})`);
    log(`\nTest metrics (${results.protocols[0].users} users; ties ${plan.ties}; seed ${config.train.seed}; ${described}; ${((performance.now() - t0) / 1000).toFixed(1)} s)\n${formatProtocolTable(results.protocols, plan.metrics, 4, model.displayName)}`);
    if (a.json) {
      await writeFile(a.json, `${JSON.stringify({ checkpoint: a.checkpoint, epoch: ck.epoch, step: ck.step, backend: rt.name, seed: config.train.seed, ties: plan.ties, test: { protocols: results.protocols, ...results.legacy } }, null, 2)}\n`);
      log(`wrote ${a.json}`);
    }
    if (a.ranks) {
      await writeFile(a.ranks, formatRanksTsv(results.perUser, results.protocols.map((p) => p.protocol), dataset));
      log(`wrote ${a.ranks} (${results.perUser.users.length.toLocaleString('en-US')} users)`);
    }
    return 0;
  } finally {
    rt?.destroy();
  }
}

/** The Dataset a checkpoint was trained on, from its id maps and stored sequences. */
function datasetFromCheckpoint(ids: { userIds: Int32Array; itemIds: Int32Array; userIndex: Map<number, number>; itemIndex: Map<number, number>; numItems: number }, sequences: Int32Array[]): Dataset {
  const V = ids.numItems;
  const interactions = sequences.reduce((s, q) => s + q.length, 0);
  for (const [u, q] of sequences.entries()) for (const i of q) if (i < 1 || i > V) throw new CheckpointError(`the checkpoint's sequence of user ${ids.userIds[u]} holds item ${i}, outside 1..${V}`);
  const counts = { interactions, users: sequences.length, items: V };
  return {
    numUsers: sequences.length, numItems: V, padId: 0, maskId: V + 1, vocabSize: V + 2, sequences,
    userIds: ids.userIds, itemIds: ids.itemIds, userIndex: ids.userIndex, itemIndex: ids.itemIndex,
    stats: { raw: counts, droppedByRating: 0, minRating: null, droppedItems: 0, droppedItemInteractions: 0, droppedUsers: 0, droppedUserInteractions: 0, rounds: 0, final: counts },
  };
}

runMain(() => main(process.argv.slice(2)));
