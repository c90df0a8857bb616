// Property tests (fast-check) of the data-format parsers, the movies parser and the
// safetensors reader under arbitrary input (random bytes, and text built from the characters
// the formats use): the result is accepted, or the reader's own error class is thrown, naming
// the file (and line for text formats). Never another exception, never slow. Complements the
// seeded mutation fuzzing of the real fixtures in test/fuzz-loaders.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, SafetensorsError } from '../runtime/index.js';
import { DataFormatError, DatasetError, parseInteractions, parseMovies } from '../src/data/index.js';

const runs = { seed: Number(process.env.FUZZ_SEED ?? 20261202), numRuns: 300 };
const FORMAT_CHARS = [...'0123456789:,;\t \n\r"-+.eE|xA', '::', 'userId', 'movieId', 'rating', 'timestamp', '\u00e9', '\ufeff', '\0'];
const formatText = fc.array(fc.constantFrom(...FORMAT_CHARS), { maxLength: 400 }).map((parts) => parts.join(''));
const input = fc.oneof(formatText, fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 400 }));

function timed(fn: () => void): void {
  const t0 = performance.now();
  fn();
  expect(performance.now() - t0, 'ms for one input').toBeLessThan(250);
}

describe('readers under arbitrary input', () => {
  it.each(['auto', 'movielens-dat', 'movielens-csv', 'movielens-100k', 'user-item', 'delimited'] as const)('parseInteractions (%s, strict and lenient): accepted or a DataFormatError/DatasetError naming the file', (format) => {
    fc.assert(
      fc.property(input, fc.boolean(), (data, strict) => {
        timed(() => {
          try {
            const r = parseInteractions(data, { fileName: 'fuzz/ratings.txt', format, strict });
            expect(r.users.length).toBe(r.items.length);
          } catch (e) {
            if (!(e instanceof DataFormatError || e instanceof DatasetError)) throw e;
            if (e instanceof DataFormatError) {
              expect(e.file).toBe('fuzz/ratings.txt');
              expect(e.message.startsWith(e.line > 0 ? `fuzz/ratings.txt:${e.line}: ` : 'fuzz/ratings.txt: ')).toBe(true);
            }
          }
        });
      }),
      runs,
    );
  });

  it('parseMovies: accepted or a DataFormatError naming the file and line', () => {
    fc.assert(
      fc.property(input, fc.boolean(), (data, strict) => {
        timed(() => {
          try {
            parseMovies(data, 'fuzz/movies.dat', { strict });
          } catch (e) {
            if (!(e instanceof DataFormatError)) throw e;
            expect(e.message.startsWith('fuzz/movies.dat')).toBe(true);
          }
        });
      }),
      runs,
    );
  });

  it('decodeSafetensors: accepted or a SafetensorsError, also for a valid length prefix over random headers', () => {
    const withHeader = fc.tuple(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 64 })).map(([header, data]) => {
      const json = new TextEncoder().encode(header);
      const out = new Uint8Array(8 + json.length + data.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      out.set(data, 8 + json.length);
      return out;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), withHeader), (bytes) => {
        timed(() => {
          try {
            decodeSafetensors(bytes);
          } catch (e) {
            if (!(e instanceof SafetensorsError)) throw e;
          }
        });
      }),
      runs,
    );
  });
});
