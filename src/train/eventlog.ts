// The run's experiment log: one JSON object per line in out/events.jsonl, appended as the run
// goes (a resumed run appends to the same file). Event types:
//   start  {time, backend, data, config, resumedFrom}
//   step   {epoch, step, loss (mean since the last step event), lr, gradNorm (before clipping;
//           null without clipping), samplesPerSec, elapsedSeconds}
//   epoch  {epoch, step, loss, seconds}
//   valid  {epoch, step, protocol, metric, value, best, metrics}
//   checkpoint {epoch, dir}
//   test   {protocols: [{protocol, description, users, bert4rec, mostPopular}]}
//   end    {stoppedBy, epochsCompleted, steps, trainSeconds}
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export type RunEvent = { type: string; [field: string]: unknown };

export const EVENTS_FILE = 'events.jsonl';

export class EventLog {
  constructor(readonly file: string) {}

  /** Appends one event (synchronously, so a crash loses at most the event being written). */
  write(event: RunEvent): void {
    appendFileSync(this.file, `${JSON.stringify({ ...event, time: event.time ?? new Date().toISOString() }, replacer)}\n`);
  }
}

/** Non-finite numbers become null (JSON has no NaN). */
function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/** Reads events.jsonl; a torn last line (a crash mid-write) is skipped, any other bad line throws naming its number. */
export function readEvents(file: string): RunEvent[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: RunEvent[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as RunEvent);
    } catch (e) {
      if (i >= lines.length - 2) return; // the last line, possibly cut off
      throw new SyntaxError(`${file}:${i + 1}: not a JSON event (${(e as Error).message})`);
    }
  });
  return out;
}

/** Mean loss, samples/s and the rates over the steps since the last `step` event. */
export class StepWindow {
  private loss = 0;
  private n = 0;
  private samples = 0;
  private t0: number;

  constructor(private readonly now: () => number) {
    this.t0 = now();
  }

  add(loss: number, samples: number): void {
    this.loss += loss;
    this.n++;
    this.samples += samples;
  }

  /** The window's means; resets it. */
  take(): { loss: number; samplesPerSec: number } {
    const t = this.now();
    const r = { loss: this.n ? this.loss / this.n : NaN, samplesPerSec: (this.samples * 1000) / Math.max(1e-9, t - this.t0) };
    this.loss = 0;
    this.n = 0;
    this.samples = 0;
    this.t0 = t;
    return r;
  }
}
