// npm run average -- --out DIR (CHECKPOINT_DIR... | --run OUT --last N): the mean of the model
// weights of several checkpoints of one run, written as a checkpoint for evaluate and recommend
// (src/checkpoint-average.ts).
import { averageCheckpoints } from '../checkpoint-average.js';
import { epochCheckpointDir, keptEpochs } from '../train/kept-checkpoints.js';
import { intFlag, parseCommand, runMain, UsageError } from './common.js';

const HELP = `Usage: npm run average -- --out DIR CHECKPOINT_DIR CHECKPOINT_DIR...
       npm run average -- --out DIR --run OUT --last N

Writes the element-wise mean of the model weights of two or more checkpoints of one run (the same
model and data) as a checkpoint: evaluate and recommend read it (it holds the newest source's
config and user sequences, and no optimizer state, so it cannot be resumed).

  --out DIR            the averaged checkpoint's directory
  --run OUT --last N   average the last N checkpoint-epoch-E directories of the run's output
                       directory OUT (npm run train -- --keep-checkpoints N keeps them)
  --help               this text
`;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, HELP, { out: { type: 'string' }, run: { type: 'string' }, last: { type: 'string' } }, { positionals: true });
  if (!parsed) return 0;
  const a = parsed.values;
  if (!a.out) throw new UsageError('--out DIR is required (see --help)');
  let dirs = parsed.positionals;
  if (a.run !== undefined || a.last !== undefined) {
    if (dirs.length) throw new UsageError('give either checkpoint directories or --run OUT --last N, not both');
    if (a.run === undefined || a.last === undefined) throw new UsageError('--run OUT and --last N go together');
    const last = intFlag('last', a.last, 2)!;
    const epochs = await keptEpochs(a.run);
    if (epochs.length < last) throw new UsageError(`--last ${last}: ${a.run} holds ${epochs.length} checkpoint-epoch-E directories (train with --keep-checkpoints ${last})`);
    dirs = epochs.slice(-last).map((e) => epochCheckpointDir(a.run!, e));
  }
  const r = await averageCheckpoints(dirs, a.out);
  console.log(`averaged ${r.tensors} tensors of ${r.sources.length} checkpoints (${r.sources.map((s) => `epoch ${s.epoch} step ${s.step}`).join(', ')}) into ${a.out}`);
  return 0;
}

runMain(() => main(process.argv.slice(2)));
