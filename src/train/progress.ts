// Per-epoch progress bar (cli-progress): loss, samples/s and ETA. On a terminal it redraws in
// place; otherwise (logs, CI, tests) nothing is drawn and the epoch summary line stands alone.
import cliProgress from 'cli-progress';

export interface EpochProgress {
  update(step: number, values: { loss: number; samplesPerSec: number }): void;
  stop(): void;
}

/**
 * On a terminal: a bar redrawn in place. Otherwise, when `log` is given, a plain progress line
 * every `everyMs` (default a minute), so a log file shows long epochs moving.
 */
export function epochProgressBar(
  epoch: number, epochs: number | string, steps: number, enabled = process.stderr.isTTY === true, log?: (line: string) => void, everyMs = 60_000,
): EpochProgress {
  if (!enabled) {
    if (!log) return { update() {}, stop() {} };
    const t0 = Date.now();
    let last = t0;
    return {
      update(step, v) {
        const now = Date.now();
        if (now - last < everyMs || step >= steps) return;
        last = now;
        const etaSeconds = ((now - t0) / 1000 / step) * (steps - step);
        log(`  epoch ${epoch}/${epochs} step ${step}/${steps} | loss ${v.loss.toFixed(4)} | ${v.samplesPerSec.toFixed(0)} samples/s | ETA ${formatSeconds(etaSeconds)}`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} | loss {loss} | {sps} samples/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(steps, 0, { loss: '-', sps: '-' });
  return {
    update(step, v) {
      bar.update(step, { loss: v.loss.toFixed(4), sps: v.samplesPerSec.toFixed(0) });
    },
    stop() {
      bar.stop();
    },
  };
}

/** "12m05s", or "41s" under a minute. */
export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s - 60 * m).padStart(2, '0')}s` : `${s}s`;
}
