import { describe, expect, it } from 'vitest';
import { parseCheckpointConfig } from '../src/checkpoint-config.js';
import { ConfigError, DEFAULT_MODEL, DEFAULT_SASREC_MODEL, DEFAULT_TRAIN, defaultConfig, resolveConfig } from '../src/config.js';
import { trainingCurveSvg } from '../src/train/chart.js';

describe('config', () => {
  it('defaults are the paper ML-1M configuration', () => {
    const c = resolveConfig({});
    expect(c.model).toEqual(DEFAULT_MODEL);
    expect(c.train).toEqual(DEFAULT_TRAIN);
    expect([c.model.hidden, c.model.layers, c.model.heads, c.model.maxLen, c.model.maskProb, c.model.dropout]).toEqual([64, 2, 2, 200, 0.2, 0.1]);
    expect([c.train.weightDecay, c.train.clipNorm]).toEqual([0.01, 5]);
  });

  it("positions: SASRec's defaults count from the start, BERT4Rec's and an older SASRec checkpoint's (no key) from the end", () => {
    expect(defaultConfig('sasrec').model.positions).toBe('from-start');
    expect(defaultConfig('bert4rec').model.positions ?? 'from-end').toBe('from-end');
    const { positions: _, ...olderSasrec } = DEFAULT_SASREC_MODEL;
    const ck = {
      format: 'webgpu-bert4rec-checkpoint', version: 1, model: olderSasrec, train: DEFAULT_TRAIN, numItems: 3,
      idMaps: { version: 1, userIds: [7, 9], itemIds: [-1, 10, 20, 30] }, epoch: 1, step: 10, best: null,
      data: { source: 'ratings.dat', format: 'movielens-dat', users: 2, items: 3, interactions: 12 }, history: [], backend: 'wasm', savedAt: '2026-12-04T00:00:00.000Z',
    };
    const parsed = parseCheckpointConfig(JSON.stringify(ck), 'config.json');
    expect(parsed.model.architecture).toBe('sasrec');
    expect(parsed.model.positions ?? 'from-end').toBe('from-end');
    expect(() => resolveConfig({ model: { positions: 'middle' } })).toThrow(/positions/);
  });

  it('merges overrides', () => {
    const c = resolveConfig({ model: { hidden: 32, heads: 4 }, train: { epochs: 3 } });
    expect(c.model.hidden).toBe(32);
    expect(c.model.heads).toBe(4);
    expect(c.model.layers).toBe(2);
    expect(c.train.epochs).toBe(3);
  });

  it.each([
    [{ model: { hiden: 64 } }, "model: unknown key 'hiden'"],
    [{ optimizer: {} }, "config: unknown key 'optimizer'"],
    [{ model: { maxLen: 0 } }, 'model.maxLen: expected >= 1'],
    [{ model: { hidden: 64, heads: 3 } }, 'model.hidden (64) must be divisible by model.heads (3)'],
    [{ model: { dropout: 'a lot' } }, 'model.dropout: expected a finite number'],
    [{ model: { layers: 1.5 } }, 'model.layers: expected an integer'],
    [{ model: { gelu: 'relu' } }, 'model.gelu: expected one of erf, tanh'],
    [{ model: { linearInit: 'xavier' } }, 'model.linearInit: expected one of fixed, fan-in'],
    [{ train: { lr: -1 } }, 'train.lr: expected > 0'],
    [{ train: { batchSize: 0 } }, 'train.batchSize: expected >= 1'],
    [[1, 2], 'config: expected a JSON object'],
  ])('rejects %j', (patch, message) => {
    expect(() => resolveConfig(patch)).toThrowError(ConfigError);
    expect(() => resolveConfig(patch)).toThrowError(message);
  });
});

describe('training curve chart', () => {
  it('draws loss and NDCG polylines with axis labels', () => {
    const svg = trainingCurveSvg([
      { epoch: 1, loss: 7.5, ndcg10: 0.05 },
      { epoch: 2, loss: 6.9, ndcg10: 0.09 },
      { epoch: 3, loss: 6.5 },
    ]);
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg.match(/<polyline/g)?.length).toBe(2);
    expect(svg).toContain('validation NDCG@10');
    expect(svg).toContain('7.500');
    expect(svg).toContain('6.500');
  });
});
