// Property tests (fast-check) of the checkpoint's config.json parser (src/checkpoint-config.ts):
// random text, truncations and byte flips of a valid file, and a valid file with any field
// replaced by any JSON value. The parser accepts, or throws a CheckpointError that starts with
// the file name and says where: line:column of a JSON syntax error, the field path of a bad
// value. Never another error type, never slow. Seeded (FUZZ_SEED) so failures reproduce.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckpointError, parseCheckpointConfig, type CheckpointConfig } from '../src/checkpoint-config.js';
import { DEFAULT_MODEL, DEFAULT_TRAIN } from '../src/config.js';

const FILE = 'out/checkpoint-last/config.json';
const seed = Number(process.env.FUZZ_SEED ?? 20261202);
const runs = { seed, numRuns: 400 };
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const valid: CheckpointConfig = {
  format: 'webgpu-bert4rec-checkpoint', version: 1, model: DEFAULT_MODEL, train: DEFAULT_TRAIN, numItems: 3,
  idMaps: { version: 1, userIds: [7, 9], itemIds: [-1, 10, 20, 30] },
  epoch: 2, step: 20, best: { metric: 'valid.ndcg10', value: 0.25, epoch: 2 },
  data: { source: 'ratings.dat', format: 'movielens-dat', users: 2, items: 3, interactions: 12 },
  history: [{ epoch: 1, loss: 5.5, seconds: 1.5 }, { epoch: 2, loss: 4.5, seconds: 1.4, valid: { ndcg10: 0.25, hr10: 0.5 } }],
  position: { epoch: 3, batches: 4, lossSum: 17.5, lossCount: 4, samples: 256, seconds: 0.5, orderDigest: '0a1b2c3d' },
  schedule: { peakLr: 0.002, warmupSteps: 5, totalSteps: 100 },
  backend: 'wasm', savedAt: '2026-12-02T00:00:00.000Z',
};
const validText = JSON.stringify(valid, null, 1);

/** Parses; returns null when accepted, else the error (which must be a CheckpointError naming the file). */
function outcome(text: string): CheckpointError | null {
  const t0 = performance.now();
  try {
    parseCheckpointConfig(text, FILE);
    return null;
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw new Error(`not a CheckpointError: ${String(e)} for ${JSON.stringify(text.slice(0, 200))}`);
    expect(e.message.startsWith(`${FILE}:`), e.message).toBe(true);
    return e;
  } finally {
    // A hang or a super-linear parse of these few-KB inputs, not speed: a GC pause on a loaded
    // machine took one parse past 100 ms (2026-12-05, beside a training run).
    expect(performance.now() - t0, 'parse time (ms)').toBeLessThan(1000);
  }
}

describe('config.json parser under random and mutated inputs', () => {
  it('the valid file is accepted (the fixture is right)', () => {
    expect(outcome(validText)).toBeNull();
  });

  it('random text: a CheckpointError naming the file, and line:column for invalid JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.json()), (text) => {
        const e = outcome(text);
        let isJson = true;
        try {
          JSON.parse(text);
        } catch {
          isJson = false;
        }
        if (!isJson) expect(e?.message).toMatch(new RegExp(`^${esc(FILE)}:\\d+:\\d+: invalid JSON`));
      }),
      runs,
    );
  });

  it('every truncation is refused with the line and column where the JSON ends', () => {
    for (let n = 0; n < validText.length; n++) {
      const e = outcome(validText.slice(0, n));
      expect(e, `truncated to ${n}`).not.toBeNull();
      const lines = validText.slice(0, n).split('\n');
      // Where V8 stops: at the end for a clean cut, earlier for a cut inside a token.
      const m = new RegExp(`^${esc(FILE)}:(\\d+):(\\d+): invalid JSON`).exec(e!.message);
      expect(m, e!.message).not.toBeNull();
      expect(Number(m![1])).toBeLessThanOrEqual(lines.length);
    }
  });

  it('flipped and inserted characters: accepted or refused with the file and a position or field', () => {
    fc.assert(
      fc.property(fc.nat(validText.length - 1), fc.string({ minLength: 1, maxLength: 3 }), fc.boolean(), (at, chars, insert) => {
        const text = validText.slice(0, at) + chars + validText.slice(insert ? at : at + chars.length);
        const e = outcome(text);
        if (e) expect(e.message).toMatch(/^[^\n]*?:(\d+:\d+: invalid JSON|.* field '[^']+'| not a webgpu-bert4rec| model[.:]| train[.:]| the id map| expected)/);
      }),
      runs,
    );
  });

  it('any field replaced by any JSON value: refused with that field named, or accepted', () => {
    const paths = [
      ['numItems'], ['epoch'], ['step'], ['best'], ['best', 'value'], ['best', 'epoch'], ['best', 'metric'], ['data'], ['data', 'source'], ['data', 'users'],
      ['history'], ['history', '1'], ['history', '1', 'loss'], ['history', '0', 'valid'], ['history', '1', 'valid', 'hr10'], ['position'], ['position', 'batches'],
      ['position', 'epoch'], ['position', 'lossSum'], ['position', 'orderDigest'], ['schedule'], ['schedule', 'totalSteps'], ['idMaps'], ['idMaps', 'itemIds'],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, value) => {
        const doc = JSON.parse(validText);
        let at = doc;
        for (const k of path.slice(0, -1)) at = at[k];
        at[path[path.length - 1]] = value;
        const e = outcome(JSON.stringify(doc));
        if (!e) return;
        const named = path[0] === 'idMaps' ? "field 'idMaps'" : path[0] === 'history' ? "field 'history" : `field '${path[0]}`;
        expect(e.message.includes(named) || /the id map has|is not the epoch after/.test(e.message), `${path.join('.')} = ${JSON.stringify(value)}: ${e.message}`).toBe(true);
      }),
      runs,
    );
  });
});
