// Epoch progress without a terminal: plain lines with step, loss, samples/s and ETA, throttled.
import { describe, expect, it } from 'vitest';
import { epochProgressBar } from '../src/train/progress.js';

describe('epoch progress in a log', () => {
  it('writes a line per interval with step, loss, rate and ETA, none after the last step', () => {
    const lines: string[] = [];
    const p = epochProgressBar(2, 5, 4, false, (l) => lines.push(l), 0);
    for (let s = 1; s <= 4; s++) p.update(s, { loss: 7.25, samplesPerSec: 63.4 });
    p.stop();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ {2}epoch 2\/5 step 1\/4 \| loss 7\.2500 \| 63 samples\/s \| ETA \d+s$/);
    const quiet: string[] = [];
    const q = epochProgressBar(1, 1, 100, false, (l) => quiet.push(l), 60_000);
    for (let s = 1; s < 100; s++) q.update(s, { loss: 1, samplesPerSec: 1 });
    expect(quiet).toHaveLength(0); // all within the first minute
    const none = epochProgressBar(1, 1, 3, false);
    none.update(1, { loss: 1, samplesPerSec: 1 }); // no log: silent, no throw
  });
});
