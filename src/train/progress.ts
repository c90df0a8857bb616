// Per-epoch progress bar (cli-progress): loss, samples/s and ETA. On a terminal it redraws in
// place; otherwise (logs, CI, tests) nothing is drawn and the epoch summary line stands alone.
import cliProgress from 'cli-progress';

export interface EpochProgress {
  update(step: number, values: { loss: number; samplesPerSec: number }): void;
  stop(): void;
}

export function epochProgressBar(epoch: number, epochs: number, steps: number, enabled = process.stderr.isTTY === true): EpochProgress {
  if (!enabled) return { update() {}, stop() {} };
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
