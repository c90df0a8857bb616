// Load + preprocess benchmark at ML-20M scale: reads a ratings file the way `npm run train`
// does (loadTrainingData: parse, 5-core filter, dense ids, leave-one-out split) and reports the
// wall time of each stage and the process's peak RSS.
//   node scripts/gen-ml20m.mjs --out /tmp/ml20m-synth/ratings.csv
//   npx tsx bench/scale/load.ts --data /tmp/ml20m-synth/ratings.csv [--json bench/results/scale-load-....json]
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadTrainingData } from '../../src/train/data.js';
import { machineSummary } from './machine.js';

const { values: a } = parseArgs({ options: { data: { type: 'string' }, json: { type: 'string' } } });
if (!a.data) throw new Error('bench/scale/load.ts: --data PATH is required');
const marks: Array<{ stage: string; seconds: number; rssMiB: number }> = [];
const t0 = performance.now();
let last = t0;
const rssMiB = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const prepared = await loadTrainingData({
  data: a.data,
  log: (line) => {
    const now = performance.now();
    marks.push({ stage: line.slice(0, 100), seconds: +((now - last) / 1000).toFixed(2), rssMiB: rssMiB() });
    last = now;
  },
});
const seconds = (performance.now() - t0) / 1000;
const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
const { dataset, split } = prepared;
const result = {
  benchmark: 'scale-load',
  date: new Date().toISOString(),
  machine: machineSummary(),
  data: a.data,
  users: dataset.numUsers,
  items: dataset.numItems,
  interactions: dataset.stats.final.interactions,
  rawInteractions: dataset.stats.raw.interactions,
  trainUsers: split.train.filter((t) => t.length > 0).length,
  seconds: +seconds.toFixed(2),
  peakRssMiB,
  stages: marks,
  targets: { seconds: 60, peakRssMiB: 3072 },
  met: seconds <= 60 && peakRssMiB <= 3072,
};
console.log(JSON.stringify(result, null, 1));
if (a.json) await writeFile(a.json, `${JSON.stringify(result, null, 1)}\n`);
