// Tiny synthetic data and configs for the BERT4Rec model / training / CLI tests.
import type { Bert4RecConfig } from '../../src/config.js';
import { DEFAULT_MODEL } from '../../src/config.js';
import { epochBatches, type TrainBatch } from '../../src/data/batches.js';
import { Rng } from '../../src/data/rng.js';
import { buildSamples } from '../../src/data/samples.js';
import { parseInteractions } from '../../src/data/formats.js';
import { preprocess } from '../../src/data/preprocess.js';
import { leaveOneOut } from '../../src/data/split.js';
import type { PreparedData } from '../../src/train/data.js';

/**
 * Sequences with learnable structure: user u walks the items with a user-specific stride,
 * so the next item follows from the previous ones. Items are 1..V.
 */
export function syntheticSequences(users: number, V: number, minLen: number, maxLen: number, seed = 1): Int32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: users }, (_, u) => {
    const n = minLen + (rng.nextU32() % (maxLen - minLen + 1));
    const stride = 1 + (u % 3);
    const start = rng.nextU32() % V;
    return Int32Array.from({ length: n }, (_, t) => ((start + stride * t) % V) + 1);
  });
}

export function tinyConfig(patch: Partial<Bert4RecConfig> = {}): Bert4RecConfig {
  return { ...DEFAULT_MODEL, maxLen: 16, hidden: 32, layers: 2, heads: 2, ffn: 128, ...patch };
}

/** The first batch of epoch 1 over the synthetic sequences. */
export function firstBatch(sequences: Int32Array[], V: number, L: number, batchSize: number, seed = 7, maskProb = 0.2): TrainBatch {
  const samples = buildSamples(sequences, { maxLen: L });
  const it = epochBatches(samples, { batchSize, maskProb, maskId: V + 1, seed, epoch: 1 });
  return it.next().value as TrainBatch;
}

/** A "user item" text file (time order = file order) for the CLI tests. */
export function userItemFile(sequences: Int32Array[]): string {
  const lines: string[] = [];
  sequences.forEach((s, u) => {
    for (const i of s) lines.push(`${u + 1} ${i * 10}`); // original ids differ from dense ids
  });
  return `${lines.join('\n')}\n`;
}

/** The sequences as a training run takes its data: a user-item file parsed, preprocessed and split leave-one-out. */
export function preparedData(sequences: Int32Array[]): PreparedData {
  const raw = parseInteractions(userItemFile(sequences), { fileName: 'synthetic.txt' });
  const dataset = preprocess(raw);
  return {
    dataset,
    split: leaveOneOut(dataset),
    movies: null,
    description: { source: 'synthetic.txt', format: raw.report.format, users: dataset.numUsers, items: dataset.numItems, interactions: dataset.stats.final.interactions },
  };
}
