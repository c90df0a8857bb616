// Checkpoint averaging: the element-wise mean of the model weights of several checkpoints of
// one run (e.g. the checkpoint-epoch-E directories that --keep-checkpoints N leaves), written as
// a checkpoint that evaluate and recommend read. The mean is taken in float64 and stored as f32.
// The result carries the newest source's config.json (its epoch, step and best) and user
// sequences, and no optimizer state: it is for evaluation, not for --resume.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensorsWithChecksum, readSafetensorsFile, writeFileAtomic, type SafetensorsTensor } from '../runtime/index.js';
import { CheckpointError, CONFIG_FILE, MODEL_FILE, OPTIMIZER_FILE, PENDING_DIR, readCheckpointConfig, SEQUENCES_FILE } from './checkpoint.js';

/** Metadata key of the averaged model file: the source directories, as a JSON array. */
export const AVERAGED_FROM_KEY = 'averaged_from';

export interface AverageResult {
  /** The sources, oldest step first. */
  sources: { dir: string; epoch: number; step: number }[];
  tensors: number;
}

/**
 * Writes into `outDir` the mean of the model weights of `dirs` (at least two checkpoints of the
 * same model: the same model config, items and parameter names, shapes and dtypes; the non-f32
 * tensors, if any, must be equal). Refuses an `outDir` that is one of the sources.
 */
export async function averageCheckpoints(dirs: readonly string[], outDir: string): Promise<AverageResult> {
  if (dirs.length < 2) throw new CheckpointError(`averaging needs at least two checkpoints, got ${dirs.length}`);
  if (dirs.includes(outDir)) throw new CheckpointError(`the output ${outDir} is one of the checkpoints to average`);
  const configs = await Promise.all(dirs.map((d) => readCheckpointConfig(d)));
  const first = configs[0];
  configs.forEach((c, i) => {
    if (JSON.stringify(c.model) !== JSON.stringify(first.model)) throw new CheckpointError(`${dirs[i]}: its model config differs from ${dirs[0]}'s`);
    if (c.numItems !== first.numItems || JSON.stringify(c.data) !== JSON.stringify(first.data)) throw new CheckpointError(`${dirs[i]}: trained on other data than ${dirs[0]}`);
  });
  const order = dirs.map((d, i) => ({ dir: d, epoch: configs[i].epoch, step: configs[i].step })).sort((x, y) => x.step - y.step);
  const newest = order[order.length - 1].dir;

  let newestMeta: Record<string, string> = {};
  const sum = new Map<string, { dtype: SafetensorsTensor['dtype']; shape: readonly number[]; acc: Float64Array | null; data: SafetensorsTensor['data'] }>();
  for (const [i, dir] of dirs.entries()) {
    const file = join(dir, MODEL_FILE);
    const { tensors, metadata } = decodeSafetensors(await readSafetensorsFile(file, 'require'));
    if (dir === newest) newestMeta = metadata;
    if (i > 0 && (tensors.size !== sum.size || [...tensors.keys()].some((k) => !sum.has(k)))) throw new CheckpointError(`${file}: its parameter names differ from ${join(dirs[0], MODEL_FILE)}'s`);
    for (const [name, t] of tensors) {
      let s = sum.get(name);
      if (!s) {
        s = { dtype: t.dtype, shape: t.shape, acc: t.dtype === 'F32' ? new Float64Array(t.data.length) : null, data: t.data };
        sum.set(name, s);
      } else if (s.dtype !== t.dtype || s.shape.join() !== t.shape.join()) {
        throw new CheckpointError(`${file}: '${name}' is ${t.dtype} [${t.shape.join(', ')}], in ${dirs[0]} ${s.dtype} [${s.shape.join(', ')}]`);
      }
      if (s.acc) {
        const x = t.data as Float32Array;
        for (let j = 0; j < x.length; j++) s.acc[j] += x[j];
      } else if (!sameValues(s.data, t.data)) {
        throw new CheckpointError(`${file}: '${name}' (${t.dtype}, not averaged) differs from ${dirs[0]}'s`);
      }
    }
  }
  const out = new Map<string, SafetensorsTensor>();
  for (const [name, s] of sum) out.set(name, s.acc ? { dtype: 'F32', shape: s.shape, data: Float32Array.from(s.acc, (v) => v / dirs.length) } : { dtype: s.dtype, shape: s.shape, data: s.data });

  const meta: Record<string, string> = { ...newestMeta, [AVERAGED_FROM_KEY]: JSON.stringify(order.map((o) => o.dir)) };
  await mkdir(outDir, { recursive: true });
  // A directory reused from an earlier average or run: nothing of it may mix with the new files.
  for (const f of [MODEL_FILE, CONFIG_FILE, SEQUENCES_FILE, OPTIMIZER_FILE, PENDING_DIR]) await rm(join(outDir, f), { recursive: true, force: true });
  await writeFileAtomic(join(outDir, MODEL_FILE), await encodeSafetensorsWithChecksum(out, meta));
  await copyFile(join(newest, CONFIG_FILE), join(outDir, CONFIG_FILE));
  try {
    await copyFile(join(newest, SEQUENCES_FILE), join(outDir, SEQUENCES_FILE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return { sources: order, tensors: out.size };
}

function sameValues(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
