// Keeps native libraries' diagnostics (Dawn prints "Warning: maxDynamic... artificially
// reduced" straight to file descriptor 2 while a WebGPU adapter is requested) out of the CLI's
// output. JS cannot dup(), so fd 2 is pointed at a capture file by closing it and opening the
// file (POSIX hands out the lowest free descriptor: 2), then restored by reopening the original
// stderr through /dev/fd/N. The captured lines are then written out except the ones `hide`
// drops. Anything unexpected (no /dev/fd, a socket as stderr, Windows) skips the capture.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Dawn's internal warnings ("Warning: ..." lines): noise to a user, shown with --verbose. */
export function isDawnWarning(line: string): boolean {
  return /^Warning: /.test(line);
}

/**
 * Runs `fn` with native writes to stderr captured; afterwards writes the captured lines for
 * which `hide` is false to stderr (they are delayed, never lost). JS logging during `fn` should
 * be buffered by the caller (it would be captured too, and shown afterwards).
 */
export async function withNativeStderrFiltered<T>(fn: () => Promise<T>, hide: (line: string) => boolean = isDawnWarning): Promise<T> {
  if (process.platform === 'win32') return fn();
  let saved = -1;
  let dir = '';
  try {
    saved = openSync('/dev/fd/2', 'a');
    dir = mkdtempSync(join(tmpdir(), 'b4r-stderr-'));
  } catch {
    if (saved >= 0) closeSync(saved);
    return fn();
  }
  const file = join(dir, 'captured.txt');
  closeSync(2);
  const capture = openSync(file, 'a');
  if (capture !== 2) {
    // Another descriptor took 2 in between (not expected in a CLI); put stderr back and run uncaptured.
    closeSync(capture);
    restore(saved);
    rmSync(dir, { recursive: true, force: true });
    return fn();
  }
  try {
    return await fn();
  } finally {
    closeSync(2);
    restore(saved);
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const shown = text.split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1) && !hide(l));
    if (shown.length) process.stderr.write(`${shown.join('\n')}\n`);
  }
}

/** Reopens the original stderr (held as `saved`) as descriptor 2. */
function restore(saved: number): void {
  const fd = openSync(`/dev/fd/${saved}`, 'a');
  closeSync(saved);
  if (fd !== 2) throw new Error(`could not restore stderr as descriptor 2 (got ${fd})`);
}
