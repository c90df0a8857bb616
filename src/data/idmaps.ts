// Original <-> dense id maps, as plain JSON for checkpoints and recommendation output.
import { DatasetError } from './errors.js';
import type { Dataset } from './preprocess.js';

export interface IdMapsJson {
  version: 1;
  /** userIds[u] = original id of dense user u. */
  userIds: number[];
  /** itemIds[i] = original id of dense item i (1..V); itemIds[0] = -1 (PAD). */
  itemIds: number[];
}

export interface IdMaps {
  numItems: number;
  userIds: Int32Array;
  itemIds: Int32Array;
  userIndex: Map<number, number>;
  itemIndex: Map<number, number>;
}

export function exportIdMaps(ds: Pick<Dataset, 'userIds' | 'itemIds'>): IdMapsJson {
  return { version: 1, userIds: Array.from(ds.userIds), itemIds: Array.from(ds.itemIds) };
}

export function importIdMaps(json: unknown): IdMaps {
  const j = json as Partial<IdMapsJson> | null;
  if (!j || j.version !== 1 || !Array.isArray(j.userIds) || !Array.isArray(j.itemIds)) {
    throw new DatasetError('id maps: expected { version: 1, userIds: number[], itemIds: number[] }');
  }
  const check = (ids: number[], what: string, from: number) => {
    const index = new Map<number, number>();
    for (let k = from; k < ids.length; k++) {
      const id = ids[k];
      if (!Number.isInteger(id) || id < 0 || id > 2147483647) throw new DatasetError(`id maps: ${what}[${k}] = ${JSON.stringify(id)} is not an id in 0..2^31-1`);
      if (index.has(id)) throw new DatasetError(`id maps: ${what} has original id ${id} twice (dense ${index.get(id)} and ${k})`);
      index.set(id, k);
    }
    return index;
  };
  if (j.itemIds.length < 1 || j.itemIds[0] !== -1) throw new DatasetError('id maps: itemIds[0] must be -1 (PAD)');
  const userIndex = check(j.userIds, 'userIds', 0);
  const itemIndex = check(j.itemIds, 'itemIds', 1);
  return { numItems: j.itemIds.length - 1, userIds: Int32Array.from(j.userIds), itemIds: Int32Array.from(j.itemIds), userIndex, itemIndex };
}
