// Node/Deno file I/O for checkpoints: atomic writes and checked loads. The file-system module
// is imported lazily through a computed specifier so bundles for browsers (and the neutral
// runtime bundle) never resolve it; calling these functions in a browser throws a clear error.
import type { Runtime } from '../runtime.js';
import type { Tensor } from '../tensor.js';
import { loadSafetensorsInto, stateDictFromSafetensors, stateDictToSafetensors, verifySafetensors, type ChecksumPolicy, type StateDict } from './checkpoint.js';
import { SafetensorsError } from './safetensors.js';

type Fs = typeof import('node:fs/promises');
type PathMod = typeof import('node:path');

let fsModules: Promise<{ fs: Fs; path: PathMod }> | null = null;
function nodeFs(): Promise<{ fs: Fs; path: PathMod }> {
  const fsName = 'node:fs/promises';
  const pathName = 'node:path';
  fsModules ??= Promise.all([import(/* @vite-ignore */ fsName) as Promise<Fs>, import(/* @vite-ignore */ pathName) as Promise<PathMod>])
    .then(([fs, path]) => ({ fs, path }))
    .catch((e) => {
      fsModules = null;
      throw new Error(`file I/O needs Node or Deno (node:fs); it is not available here: ${e instanceof Error ? e.message : String(e)}`);
    });
  return fsModules;
}

/**
 * Writes `bytes` to `file` so that a reader sees either the old file or the complete new
 * one, never a partial write: write a temporary file in the same directory, fsync it,
 * rename it over `file`, then fsync the directory (so the rename survives a crash).
 */
export async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const { fs, path } = await nodeFs();
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  const handle = await fs.open(tmp, 'wx');
  try {
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
      written += bytesWritten;
    }
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await sweepStaleTemps(fs, path, dir, path.basename(file));
  // Directory fsync: supported on Linux and macOS; Windows cannot open directories (ignored).
  let dirHandle: Awaited<ReturnType<Fs['open']>> | null = null;
  try {
    dirHandle = await fs.open(dir, 'r');
    await dirHandle.sync();
  } catch {
    // best effort
  } finally {
    await dirHandle?.close().catch(() => {});
  }
}

/**
 * Removes temporary files of `base` left by writers that died mid-write (killed, crashed): the
 * name carries the writer's pid, and only files of processes that no longer exist are removed
 * (a live writer's file is never touched). Best effort.
 */
async function sweepStaleTemps(fs: Fs, path: PathMod, dir: string, base: string): Promise<void> {
  const pattern = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.[0-9a-z]+\\.tmp$`);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m || Number(m[1]) === process.pid || processExists(Number(m[1]))) continue;
    await fs.rm(path.join(dir, name), { force: true }).catch(() => {});
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== 'ESRCH'; // EPERM: exists, owned by someone else
  }
}

/** Reads a safetensors file and verifies its structure and checksum (see ChecksumPolicy). */
export async function readSafetensorsFile(file: string, checksum: ChecksumPolicy = 'if-present'): Promise<Uint8Array> {
  const { fs } = await nodeFs();
  const buf = await fs.readFile(file);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  try {
    await verifySafetensors(bytes, checksum);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new SafetensorsError(`${file}: ${e.message.replace(/^safetensors: /, '')}`);
    throw e;
  }
  return bytes;
}

/** Saves a state dict (read back from the device) atomically, with a checksum. */
export async function saveStateDict(file: string, state: StateDict, metadata: Readonly<Record<string, string>> = {}): Promise<void> {
  await writeFileAtomic(file, await stateDictToSafetensors(state, metadata));
}

/** Loads a checkpoint file into new tensors on `rt` (the caller owns them). */
export async function loadStateDict(rt: Runtime, file: string, checksum: ChecksumPolicy = 'if-present'): Promise<{ tensors: Map<string, Tensor>; metadata: Record<string, string> }> {
  return stateDictFromSafetensors(rt, await readSafetensorsFile(file, checksum), 'skip');
}

/** Loads a checkpoint file into existing tensors, checking names, shapes and dtypes first. */
export async function loadStateDictInto(state: StateDict, file: string, options: { strict?: boolean; checksum?: ChecksumPolicy } = {}) {
  return loadSafetensorsInto(state, await readSafetensorsFile(file, options.checksum), { strict: options.strict, checksum: 'skip' });
}
