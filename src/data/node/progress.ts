// Node-only: a terminal progress bar for downloads (cli-progress).
import cliProgress from 'cli-progress';

export interface ProgressBar {
  onProgress: (received: number, total: number | null) => void;
  stop: () => void;
}

export function downloadProgressBar(label: string): ProgressBar {
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {mb} / {totalMb} MB`, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const mb = (b: number) => (b / 1048576).toFixed(1);
  return {
    onProgress(received, total) {
      const t = total ?? Math.max(received, 1);
      if (!started) {
        bar.start(t, received, { mb: mb(received), totalMb: total ? mb(total) : '?' });
        started = true;
      }
      bar.setTotal(t);
      bar.update(received, { mb: mb(received), totalMb: total ? mb(total) : '?' });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
