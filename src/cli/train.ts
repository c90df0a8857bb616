// npm run train -- [options]: trains BERT4Rec, keeps the best checkpoint by the validation
// metric, prints test metrics under every evaluation protocol beside the most-popular
// baseline, writes out/metrics.json, curve.svg, events.jsonl and report.html.
import { readFile } from 'node:fs/promises';
import type { BackendChoice, Runtime } from '../../runtime/index.js';
import { readCheckpointConfig } from '../checkpoint.js';
import { ConfigError, DEFAULT_MODEL, DEFAULT_SASREC_MODEL, DEFAULT_SASREC_TRAIN, DEFAULT_TRAIN, defaultConfig, resolveConfig, type Architecture, type FullConfig } from '../config.js';
import { architectureOf } from '../model/create.js';
import { defaultCacheDir, loadTrainingData } from '../train/data.js';
import { runTraining } from '../train/trainer.js';
import { choiceFlag, createCliRuntime, intFlag, parseCommand, runMain, UsageError } from './common.js';
import { applyConfigFlags, EVAL_FLAGS, flagHelp, MODEL_FLAGS, parseArgsOptions, TRAIN_FLAGS } from './config-flags.js';
import { DATA_HELP, DATA_OPTIONS, dataOptions } from './data-flags.js';

const DEFAULTS: FullConfig = { model: DEFAULT_MODEL, train: DEFAULT_TRAIN };
const CONFIG_FLAGS = [...MODEL_FLAGS, ...TRAIN_FLAGS, ...EVAL_FLAGS];

const HELP = `Usage: npm run train -- [options]

Trains BERT4Rec or SASRec on a ratings file (or a MovieLens data set) and reports test metrics.

${DATA_HELP}
Model (defaults: the BERT4Rec paper's ML-1M model; see src/config.ts)
  --model NAME         bert4rec (default: bidirectional, cloze) or sasrec (causal, next item at
                       every position); sasrec's defaults differ: ${sasrecDefaults()}
  --config FILE        JSON {"model": {...}, "train": {...}} over the defaults (flags win)
${flagHelp(MODEL_FLAGS, DEFAULTS)}

Training (without --epochs, train plans its steps to a 59-minute budget from the measured speed)
${flagHelp(TRAIN_FLAGS, DEFAULTS)}

Evaluation (validation uses the first protocol; the test reports every one)
${flagHelp(EVAL_FLAGS, DEFAULTS)}
  --eval-batch N       rows per evaluation forward pass (default 128)

Run
  --backend NAME       auto (default: WebGPU on a hardware adapter, else WASM), webgpu, wasm
  --out DIR            output directory (default out): metrics.json, curve.svg, events.jsonl,
                       report.html, checkpoint-best/, checkpoint-last/, checkpoint-epoch-E/
  --resume DIR         continue from any checkpoint directory of a run (each one holds the
                       optimizer state: checkpoint-last, checkpoint-best, checkpoint-epoch-E);
                       a checkpoint taken inside an epoch continues exactly where it stopped
  --checkpoint-every N also save checkpoint-last every N steps inside an epoch (default 0:
                       at each epoch's end and at a --time-limit stop)
  --verbose            show the WebGPU driver's internal warnings
  --help               this text
`;

/** The SASRec defaults that differ from BERT4Rec's, as flags. */
function sasrecDefaults(): string {
  const out: string[] = [];
  for (const f of CONFIG_FLAGS) {
    const pick = (c: FullConfig) => (c[f.section] as unknown as Record<string, unknown>)[f.key];
    const v = pick({ model: DEFAULT_SASREC_MODEL, train: DEFAULT_SASREC_TRAIN });
    if (v !== undefined && v !== pick(DEFAULTS)) out.push(`--${f.flag} ${v}`);
  }
  return `${out.join(', ')}; next-item windows of L + 1 items (--window-stride and --mask-prob do not apply)`;
}

/**
 * `npm run train`'s plan without --epochs: build, data, training, validation and test within an
 * hour of wall time (the budget counts from this process's start; the build before it takes
 * well under the minute left).
 */
const DEFAULT_TIME_BUDGET_MINUTES = 59;

/**
 * A new run's validation during training: 2,000 fixed random users (the final choice between
 * checkpoint-best and the last weights on all of them). On ML-1M, validating all 6,040 users
 * after every epoch took 10% of an hour-long BERT4Rec run (346 of 3,465 s, 2.8 s each) and 7% of
 * SASRec's. Not a config default, so a resumed checkpoint from before it keeps validating all.
 */
const DEFAULT_VALID_USERS = 2000;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, HELP, {
    ...DATA_OPTIONS,
    ...parseArgsOptions(CONFIG_FLAGS),
    backend: { type: 'string' },
    model: { type: 'string' },
    config: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'string' },
    'checkpoint-every': { type: 'string' },
    verbose: { type: 'boolean' },
    'eval-batch': { type: 'string' },
  });
  if (!parsed) return 0;
  const a = parsed.values;
  const data = dataOptions(a);
  const backend = (choiceFlag('backend', a.backend, ['auto', 'webgpu', 'wasm'] as const) ?? 'auto') as BackendChoice;

  // Config: defaults (or the checkpoint's when resuming) <- --config file <- flags.
  const architecture = choiceFlag('model', a.model, ['bert4rec', 'sasrec'] as const) as Architecture | undefined;
  let base: FullConfig = defaultConfig(architecture);
  if (a.resume) {
    const ck = await readCheckpointConfig(a.resume);
    if (architecture && architecture !== architectureOf(ck.model)) throw new UsageError(`--model ${architecture}: the checkpoint ${a.resume} is a ${architectureOf(ck.model)} model`);
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
  const flagged = applyConfigFlags(resolveConfig(patch, base), CONFIG_FLAGS, a);
  // Planned to the hour unless the epochs (or a budget) are given, or the checkpoint's plan continues.
  const patchTrain = (patch as { train?: Record<string, unknown> } | null)?.train ?? {};
  // The config flags are typed as one record (parseArgsOptions), so they are looked up by name.
  const flagGiven = (flag: string) => (a as Record<string, unknown>)[flag] !== undefined;
  const fixed = a.resume || flagGiven('epochs') || flagGiven('time-budget') || 'epochs' in patchTrain || 'timeBudgetMinutes' in patchTrain;
  const budgetDefault = fixed ? {} : { timeBudgetMinutes: DEFAULT_TIME_BUDGET_MINUTES };
  const validDefault = a.resume || flagGiven('valid-users') || 'validUsers' in patchTrain ? {} : { validUsers: DEFAULT_VALID_USERS };
  const config: FullConfig = { ...flagged, train: { ...flagged.train, ...budgetDefault, ...validDefault } };
  const evalBatch = intFlag('eval-batch', a['eval-batch'], 1);
  const checkpointEverySteps = intFlag('checkpoint-every', a['checkpoint-every'], 0);

  const log = (line: string) => console.log(line);
  const prepared = await loadTrainingData({ ...data, cacheDir: defaultCacheDir(), log });
  let rt: Runtime | null = null;
  try {
    // 'auto' skips software WebGPU adapters: on lavapipe a step is ~2.5x slower than on WASM.
    rt = await createCliRuntime(backend, { log, verbose: a.verbose });
    const result = await runTraining({ rt, data: prepared, config, outDir: a.out ?? 'out', resume: a.resume, log, evalBatchSize: evalBatch, checkpointEverySteps });
    if (result.stoppedBy === 'non-finite-loss') return 2;
    return 0;
  } finally {
    rt?.destroy();
  }
}

runMain(() => main(process.argv.slice(2)));
