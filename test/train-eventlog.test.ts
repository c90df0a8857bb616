// The experiment log (events.jsonl) and the HTML report drawn from it.
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLog, readEvents, StepWindow } from '../src/train/eventlog.js';
import { htmlReport } from '../src/train/html-report.js';

const dir = mkdtempSync(join(tmpdir(), 'events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('event log', () => {
  it('appends one JSON object per line, NaN as null, and reads back; a torn last line is skipped, others are errors', () => {
    const file = join(dir, 'a.jsonl');
    const log = new EventLog(file);
    log.write({ type: 'step', step: 1, loss: 2.5, gradNorm: NaN });
    log.write({ type: 'end', stoppedBy: 'epochs' });
    appendFileSync(file, '{"type":"st');
    const events = readEvents(file);
    expect(events.map((e) => e.type)).toEqual(['step', 'end']);
    expect(events[0].gradNorm).toBeNull();
    expect(typeof events[0].time).toBe('string');
    const bad = join(dir, 'b.jsonl');
    writeFileSync(bad, '{"type":"a"}\nnot json\n{"type":"b"}\n');
    expect(() => readEvents(bad)).toThrow(/b\.jsonl:2: not a JSON event/);
    expect(readEvents(join(dir, 'missing.jsonl'))).toEqual([]);
  });

  it('StepWindow averages the loss and rates the samples since the last take', () => {
    let t = 0;
    const w = new StepWindow(() => t);
    w.add(2, 10);
    w.add(4, 30);
    t = 2000;
    expect(w.take()).toEqual({ loss: 3, samplesPerSec: 20 });
    t = 3000;
    expect(w.take().loss).toBeNaN();
  });
});

describe('HTML report', () => {
  it('draws the step, epoch and validation charts and the test table, with nothing loaded from elsewhere', () => {
    const html = htmlReport('run <1>', [
      { type: 'start', backend: 'wasm', config: { train: { lr: 0.001 } } },
      ...[1, 2, 3].map((s) => ({ type: 'step', step: s * 10, loss: 5 - s, lr: 1e-3, gradNorm: 1 + s, samplesPerSec: 100 })),
      { type: 'epoch', epoch: 1, loss: 4 },
      { type: 'valid', epoch: 1, protocol: 'uniform:50', metrics: { 'map@12': 0.1, 'ndcg@10': 0.2 } },
      { type: 'test', protocols: [{ protocol: 'uniform:50', description: 'target + 50 uniformly-sampled negatives', users: 943, bert4rec: { 'map@12': 0.25 }, mostPopular: { 'map@12': 0.125 } }] },
      { type: 'end', stoppedBy: 'patience', epochsCompleted: 1, steps: 30, trainSeconds: 12 },
    ]);
    expect(html).toContain('<title>run &lt;1&gt;</title>');
    expect(html.match(/<svg /g)).toHaveLength(6); // loss, lr, grad norm, samples/s, epoch loss, validation
    expect(html).toContain('<td>map@12</td><td>0.2500</td><td>0.1250</td>');
    expect(html).toContain('stopped by patience');
    expect(html).toContain('validation (uniform:50)');
    expect(html).not.toMatch(/<script|<link|src=|href=/);
  });
});
