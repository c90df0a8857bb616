// Node-only: read a pre-trained item-embeddings file (`--item-embeddings FILE`) from disk.
import { readFile } from 'node:fs/promises';
import { stripGz } from '../bytes.js';
import { ItemEmbeddingsError, parseItemEmbeddings, type ItemEmbeddings } from '../item-embeddings.js';

async function read(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ItemEmbeddingsError(path, 0, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot read the file (${code ?? String(e)})`);
  }
}

export interface ReadItemEmbeddingsOptions {
  /** For .npy vectors: the file of original item ids in row order (one per line, CSV first column, or a 1-D integer .npy). */
  idsPath?: string;
}

/**
 * Reads item vectors keyed by original item ids. The format follows the extension
 * (.safetensors, .npy, .csv/.tsv/.txt; each may be gzipped as NAME.gz), else the bytes.
 * A .npy file needs `idsPath`. Errors are ItemEmbeddingsErrors naming the file and row.
 */
export async function readItemEmbeddingsFile(path: string, options: ReadItemEmbeddingsOptions = {}): Promise<ItemEmbeddings> {
  const bytes = await read(path);
  const isNpyName = stripGz(path).toLowerCase().endsWith('.npy');
  if (isNpyName && options.idsPath === undefined) {
    throw new ItemEmbeddingsError(path, 0, 'a .npy file holds only the vectors: give the item ids file too (idsPath: one original item id per line, in row order)');
  }
  const ids = options.idsPath !== undefined ? await read(options.idsPath) : undefined;
  return parseItemEmbeddings(bytes, { file: path, ids, idsFile: options.idsPath });
}
