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
  const epochs = (await readdir(outDir))
    .map((n) => (n.startsWith(EPOCH_DIR_PREFIX) ? Number(n.slice(EPOCH_DIR_PREFIX.length)) : NaN))
    .filter((e) => Number.isInteger(e))
    .sort((a, b) => b - a);
  for (const e of epochs.slice(keep)) await rm(epochCheckpointDir(outDir, e), { recursive: true, force: true });
  return dir;
}
