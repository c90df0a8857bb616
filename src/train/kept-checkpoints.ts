// Per-epoch checkpoints (--keep-checkpoints N): after each epoch, a copy of checkpoint-last
// (model, optimizer, config, sequences: resumable with --resume) as checkpoint-epoch-E/, and
// only the newest N such directories are kept.
import { cp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const EPOCH_DIR_PREFIX = 'checkpoint-epoch-';

export function epochCheckpointDir(outDir: string, epoch: number): string {
  return join(outDir, `${EPOCH_DIR_PREFIX}${epoch}`);
}

/** Copies `lastDir` to checkpoint-epoch-<epoch> and removes all but the `keep` newest epoch directories; returns the new one. */
export async function keepEpochCheckpoint(outDir: string, lastDir: string, epoch: number, keep: number): Promise<string> {
  const dir = epochCheckpointDir(outDir, epoch);
  await rm(dir, { recursive: true, force: true });
  await cp(lastDir, dir, { recursive: true });
  const epochs = await keptEpochs(outDir);
  for (const e of epochs.slice(0, Math.max(0, epochs.length - keep))) await rm(epochCheckpointDir(outDir, e), { recursive: true, force: true });
  return dir;
}

/** The epochs of the checkpoint-epoch-E directories in `outDir`, ascending. */
export async function keptEpochs(outDir: string): Promise<number[]> {
  return (await readdir(outDir))
    .filter((n) => n.startsWith(EPOCH_DIR_PREFIX))
    .map((n) => Number(n.slice(EPOCH_DIR_PREFIX.length)))
    .filter((e) => Number.isInteger(e))
    .sort((a, b) => a - b);
}

/** The kept checkpoint-epoch-E directories of epochs last - n + 1 .. last, ascending. */
export async function lastEpochCheckpoints(outDir: string, last: number, n: number): Promise<string[]> {
  return (await keptEpochs(outDir)).filter((e) => e > last - n && e <= last).map((e) => epochCheckpointDir(outDir, e));
}

/** Removes every checkpoint-epoch-E directory of `outDir` (none when it does not exist); returns their names. */
export async function removeEpochCheckpoints(outDir: string): Promise<string[]> {
  let epochs: number[];
  try {
    epochs = await keptEpochs(outDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  for (const e of epochs) await rm(epochCheckpointDir(outDir, e), { recursive: true, force: true });
  return epochs.map((e) => `${EPOCH_DIR_PREFIX}${e}`);
}
