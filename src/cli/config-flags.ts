// CLI flags that set config values (src/config.ts): one table for `train` and `evaluate`,
// each flag validated by the config's own checks, errors naming the flag.
import { ConfigError, resolveConfig, type Bert4RecConfig, type FullConfig, type TrainConfig } from '../config.js';
import { UsageError } from './common.js';

interface ConfigFlag {
  flag: string;
  section: 'model' | 'train';
  key: keyof Bert4RecConfig | keyof TrainConfig;
  kind: 'int' | 'number' | 'text';
  help: string;
  /** What the help shows as the default when the config leaves the key out. */
  absent?: string;
  /** The value's name in the help (default N for int, X for number, NAME for text). */
  value?: string;
}

const m = (flag: string, key: keyof Bert4RecConfig, kind: ConfigFlag['kind'], help: string, absent?: string, value?: string): ConfigFlag => ({ flag, section: 'model', key, kind, help, absent, value });
const t = (flag: string, key: keyof TrainConfig, kind: ConfigFlag['kind'], help: string, absent?: string, value?: string): ConfigFlag => ({ flag, section: 'train', key, kind, help, absent, value });

export const MODEL_FLAGS: ConfigFlag[] = [
  m('max-len', 'maxLen', 'int', 'maximum sequence length L'),
  m('hidden', 'hidden', 'int', 'hidden size d (TorchRec emb_dim)'),
  m('layers', 'layers', 'int', 'transformer layers'),
  m('heads', 'heads', 'int', 'attention heads (must divide --hidden)'),
  m('ffn', 'ffn', 'int', 'feed-forward width'),
  m('dropout', 'dropout', 'number', 'dropout on embeddings, sub-layer outputs and (unless --attn-dropout) attention probabilities'),
  m('attn-dropout', 'attnDropout', 'number', 'dropout on attention probabilities', 'as --dropout'),
  m('mask-prob', 'maskProb', 'number', 'cloze mask probability'),
  m('norm', 'norm', 'text', 'post (LayerNorm after each residual sum, as BERT), pre (before each sub-layer inside the residual branch, a final LayerNorm, embeddings scaled by sqrt(d), as GPT-2) or sasrec (as pre, but the residuals add to the normalised input and attention reads keys and values from the un-normalised one, as SASRec\'s original code)', 'post', 'NAME'),
  m('positions', 'positions', 'text', 'from-end (the last item always at position L-1) or from-start (each item\'s index from the first item of its window, as right padding gives it)', 'from-end; SASRec: from-start', 'NAME'),
];

export const TRAIN_FLAGS: ConfigFlag[] = [
  t('epochs', 'epochs', 'int', 'training epochs: a fixed plan instead of the time budget (the default shown is what --time-budget 0 trains)'),
  t('time-budget', 'timeBudgetMinutes', 'number', 'plan the steps so that training ends, warm-up and decay complete, within MIN minutes of wall time from the process start, final test included; the speed is measured and re-estimated each epoch (0: plan by --epochs)', '59 for train without --epochs, else 0', 'MIN'),
  t('batch', 'batchSize', 'int', 'batch size'),
  t('lr', 'lr', 'number', 'peak learning rate'),
  t('weight-decay', 'weightDecay', 'number', 'AdamW weight decay (not on biases and layer norms)'),
  t('warmup', 'warmupFraction', 'number', 'linear warm-up, as a fraction of all steps (then linear decay)'),
  t('window-stride', 'windowStride', 'int', 'step between sliding windows over long histories (0: L/2)'),
  t('windows', 'windows', 'text', 'all (every window of a long history is a sample) or latest (only its last L items, one sample per user, as SASRec\'s original code)', 'all', 'NAME'),
  t('dupe-factor', 'dupeFactor', 'int', 'cloze copies of each window per epoch, each masked anew (TorchRec dupe_factor)'),
  t('loss', 'loss', 'text', 'ce (full softmax over every item), sampled (softmax over the batch targets + --negatives uniform items) or bce (one negative per target)', undefined, 'NAME'),
  t('negatives', 'negatives', 'int', 'uniform negatives per batch for --loss sampled'),
  t('item-embeddings', 'itemEmbeddings', 'text', 'pre-trained item vectors (.safetensors, .npy with --item-embeddings-ids, or CSV/TSV "id v1 v2 ...") keyed by original item id; docs/item-embeddings.md', undefined, 'FILE'),
  t('item-embeddings-ids', 'itemEmbeddingsIds', 'text', 'the item ids of a .npy --item-embeddings file, one per line', undefined, 'FILE'),
  t('item-projection', 'itemEmbeddingsProjection', 'text', 'pca (vectors of another width: top principal components, rescaled to the init std), linear (a trainable D -> d projection of the fixed vectors) or none (width must equal --hidden)', 'pca', 'NAME'),
  t('freeze-item-embeddings', 'freezeItemEmbeddings', 'int', 'keep the pre-trained item rows fixed for the first N epochs'),
  t('seed', 'seed', 'int', 'seed for initialisation, masks, dropout, shuffling and sampled negatives'),
  t('time-limit', 'timeLimitMinutes', 'number', 'stop training after MIN minutes, then test, whatever the plan (0: none)', undefined, 'MIN'),
  t('eval-every', 'evalEvery', 'int', 'validate every N epochs'),
  t('keep-checkpoints', 'keepCheckpoints', 'int', 'keep resumable checkpoint-epoch-E/ of the last N epochs (0: none)'),
  t('average-last', 'averageLast', 'int', 'after training, average the weights of the last N epochs (kept as with --keep-checkpoints N) into checkpoint-average/, which joins checkpoint-best and the last weights in a final choice on all validation users (0 or 1: off)', '0'),
  t('log-every', 'logEvery', 'int', 'write a step event (loss, lr, gradient norm, samples/s) every N steps'),
];

export const EVAL_FLAGS: ConfigFlag[] = [
  t('eval', 'evalProtocols', 'text', 'protocols: full, popularity:N, uniform:N (comma-separated; each reported)', undefined, 'LIST'),
  t('metrics', 'metrics', 'text', 'metrics: hr, recall, precision, ndcg, mrr, map (RecBole definitions)', undefined, 'LIST'),
  t('ks', 'ks', 'text', 'cut-offs k, e.g. 1,5,10,20', undefined, 'LIST'),
  t('valid-metric', 'validMetric', 'text', 'metric@k that picks the best checkpoint, on the first --eval protocol', undefined, 'NAME'),
  t('valid-users', 'validUsers', 'int', 'validate during training on N fixed random users, to spend less time on it; the final choice between checkpoint-best and the last weights uses all users (0: all)', '2000 for a new run; a resumed one keeps its own'),
  t('patience', 'patience', 'int', 'stop after N validations without a better --valid-metric (0: never)'),
  t('ties', 'ties', 'text', 'pessimistic (target ranked below equal scores) or optimistic'),
];

/** parseArgs option definitions for a list of flags. */
export function parseArgsOptions(flags: ConfigFlag[]): Record<string, { type: 'string' }> {
  return Object.fromEntries(flags.map((f) => [f.flag, { type: 'string' as const }]));
}

/** Help lines "  --flag VALUE   help (default X)" for a list of flags. */
export function flagHelp(flags: ConfigFlag[], defaults: FullConfig): string {
  return flags
    .map((f) => {
      const name = `--${f.flag} ${f.value ?? (f.kind === 'text' ? 'NAME' : f.kind === 'int' ? 'N' : 'X')}`;
      const def = (defaults[f.section] as unknown as Record<string, unknown>)[f.key];
      // A name too long for the 21-character column puts its help on the next line.
      const lead = name.length < 21 ? `  ${name.padEnd(21)}` : `  ${name}\n${' '.repeat(23)}`;
      return `${lead}${f.help} (default ${def ?? f.absent ?? 'none'})`;
    })
    .join('\n');
}

/** Applies the flags present in `values` over `config`; an error names the flag (config keys are shown as flags). */
export function applyConfigFlags(config: FullConfig, flags: ConfigFlag[], values: Record<string, unknown>): FullConfig {
  const patch: { model: Record<string, unknown>; train: Record<string, unknown> } = { model: {}, train: {} };
  for (const f of flags) {
    const raw = values[f.flag];
    if (raw === undefined) continue;
    const text = String(raw);
    let value: string | number = text;
    if (f.kind !== 'text') {
      value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${f.flag}: expected ${f.kind === 'int' ? 'an integer' : 'a number'}, got '${text}'`);
      if (f.kind === 'int' && !Number.isInteger(value)) throw new UsageError(`--${f.flag}: expected an integer, got '${text}'`);
    }
    patch[f.section][f.key] = value;
  }
  try {
    return resolveConfig(patch, config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // "train.lr: expected > 0 ..." -> "--lr: expected > 0 ..."; keys without a flag stay as they are.
    let message = e.message;
    for (const f of flags) message = message.split(`${f.section}.${f.key}`).join(`--${f.flag}`);
    throw new UsageError(message);
  }
}
