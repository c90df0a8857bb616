// npm run train -- [options]: trains BERT4Rec, keeps the best checkpoint by validation
// NDCG@10, prints test metrics (full ranking and the sampled protocol) beside the
// most-popular baseline, writes out/metrics.json and out/curve.svg.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createRuntime, type BackendChoice, type Runtime } from '../../runtime/index.js';
import { readCheckpointConfig } from '../checkpoint.js';
import { ConfigError, DEFAULT_MODEL, DEFAULT_TRAIN, resolveConfig, type FullConfig } from '../config.js';
import type { FormatName } from '../data/interactions.js';
import { defaultCacheDir, loadTrainingData } from '../train/data.js';
import { runTraining } from '../train/trainer.js';
import { choiceFlag, intFlag, numberFlag, runMain, UsageError } from './common.js';

const HELP = `Usage: npm run train -- [options]

Trains BERT4Rec on a ratings file (or MovieLens-1M) and reports test metrics.

Data
  --data PATH          ratings file: ratings.dat, ratings.csv, u.data, "user item" lines,
                       CSV/TSV with a header, or ml-1m.zip; gzip is detected
  --dataset ml-1m      MovieLens-1M from the cache (default when --data is absent):
                       \$BERT4REC_CACHE or ~/.cache/webgpu-bert4rec, downloaded when missing
  --format NAME        auto (default), movielens-dat, movielens-csv, movielens-100k,
                       user-item, delimited, movielens-zip
  --lenient            skip malformed lines (reported) instead of stopping at the first

Model and training (defaults: the paper's ML-1M model, trained to fit an hour on 2 CPU cores; see src/config.ts)
  --config FILE        JSON {"model": {...}, "train": {...}} over the defaults
  --epochs N           training epochs (default ${DEFAULT_TRAIN.epochs})
  --batch N            batch size (default ${DEFAULT_TRAIN.batchSize})
  --max-len N          maximum sequence length L (default ${DEFAULT_MODEL.maxLen})
  --seed N             seed for initialisation, masks, dropout and shuffling (default ${DEFAULT_TRAIN.seed})
  --time-limit MIN     stop training after MIN minutes, then evaluate (default ${DEFAULT_TRAIN.timeLimitMinutes}; 0: none)

Run
  --backend NAME       auto (default: WebGPU on a hardware adapter, else WASM), webgpu, wasm
  --out DIR            output directory (default out): metrics.json, curve.svg,
                       checkpoint-best/, checkpoint-last/
  --resume DIR         continue from a checkpoint (e.g. out/checkpoint-last)
  --help               this text
`;

const FORMATS = ['auto', 'movielens-dat', 'movielens-csv', 'movielens-100k', 'user-item', 'delimited', 'movielens-zip'] as const;

async function main(argv: string[]): Promise<number> {
  const { values: a, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      dataset: { type: 'string' },
      format: { type: 'string' },
      backend: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      'max-len': { type: 'string' },
      config: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'string' },
      seed: { type: 'string' },
      'time-limit': { type: 'string' },
      lenient: { type: 'boolean' },
      'eval-batch': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (a.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}' (see --help)`);
  if (a.data && a.dataset) throw new UsageError('pass either --data or --dataset, not both');
  choiceFlag('dataset', a.dataset, ['ml-1m'] as const);
  const format = choiceFlag('format', a.format, FORMATS) as FormatName | 'auto' | undefined;
  const backend = (choiceFlag('backend', a.backend, ['auto', 'webgpu', 'wasm'] as const) ?? 'auto') as BackendChoice;

  // Config: defaults (or the checkpoint's when resuming) <- --config file <- flags.
  let base: FullConfig | undefined;
  if (a.resume) {
    const ck = await readCheckpointConfig(a.resume);
    base = { model: ck.model, train: ck.train };
  }
  let patch: unknown = {};
  if (a.config) {
    let text: string;
    try {
      text = await readFile(a.config, 'utf8');
    } catch (e) {
      throw new ConfigError(`--config ${a.config}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(e)}`);
    }
    try {
      patch = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`--config ${a.config}: invalid JSON (${(e as Error).message})`);
    }
  }
  let config = resolveConfig(patch, base);
  const flags = {
    model: { ...(a['max-len'] !== undefined && { maxLen: intFlag('max-len', a['max-len'], 1) }) },
    train: {
      ...(a.epochs !== undefined && { epochs: intFlag('epochs', a.epochs, 0) }),
      ...(a.batch !== undefined && { batchSize: intFlag('batch', a.batch, 1) }),
      ...(a.seed !== undefined && { seed: intFlag('seed', a.seed, 0) }),
      ...(a['time-limit'] !== undefined && { timeLimitMinutes: numberFlag('time-limit', a['time-limit'], 0) }),
    },
  };
  config = resolveConfig(flags, config);
  const evalBatch = intFlag('eval-batch', a['eval-batch'], 1);

  const log = (line: string) => console.log(line);
  const data = await loadTrainingData({ data: a.data, format, lenient: a.lenient, cacheDir: defaultCacheDir(), log });
  let rt: Runtime | null = null;
  try {
    // 'auto' skips software WebGPU adapters: on lavapipe a step is ~2.5x slower than on WASM.
    rt = await createRuntime({ backend, log, avoidSoftwareAdapter: true });
    const result = await runTraining({ rt, data, config, outDir: a.out ?? 'out', resume: a.resume, log, evalBatchSize: evalBatch });
    if (result.stoppedBy === 'non-finite-loss') return 2;
    return 0;
  } finally {
    rt?.destroy();
  }
}

runMain(() => main(process.argv.slice(2)));
