// Leave-one-out split: per user, last item = test, second-to-last = validation, rest = train.
//
// Short users: with 2 interactions the user has train = [first], no validation item (valid 0)
// and test = second; it is trained on and tested, but left out of validation. Users with
// fewer than 2 interactions cannot be split: by default they are dropped (train empty,
// test 0, counted in `droppedUsers`); with onShortUser: 'error' a DatasetError names them.
// Arrays stay aligned with dataset users, so dense user indices and id maps remain valid.
import { DatasetError } from './errors.js';
import type { Dataset } from './preprocess.js';

export interface SplitOptions {
  onShortUser?: 'drop' | 'error';
}

export interface LeaveOneOutSplit {
  dataset: Dataset;
  /** Per user: the training prefix (may be empty for dropped users). */
  train: Int32Array[];
  /** Per user: validation item, 0 when the user has none. */
  valid: Int32Array;
  /** Per user: test item, 0 when the user was dropped. */
  test: Int32Array;
  /** Users with fewer than 2 interactions, excluded from training and evaluation. */
  droppedUsers: number;
  /** Users with exactly 2 interactions: trained and tested, but without a validation item. */
  usersWithoutValidation: number;
}

export function leaveOneOut(dataset: Dataset, options: SplitOptions = {}): LeaveOneOutSplit {
  const U = dataset.numUsers;
  const train: Int32Array[] = new Array(U);
  const valid = new Int32Array(U);
  const test = new Int32Array(U);
  let dropped = 0;
  let noValid = 0;
  const short: number[] = [];
  for (let u = 0; u < U; u++) {
    const s = dataset.sequences[u];
    const n = s.length;
    if (n < 2) {
      dropped++;
      if (short.length < 10) short.push(dataset.userIds[u]);
      train[u] = new Int32Array(0);
      continue;
    }
    test[u] = s[n - 1];
    if (n === 2) {
      noValid++;
      train[u] = s.subarray(0, 1);
    } else {
      valid[u] = s[n - 2];
      train[u] = s.subarray(0, n - 2);
    }
  }
  if (dropped > 0 && options.onShortUser === 'error') {
    throw new DatasetError(
      `leave-one-out split: ${dropped} user(s) have fewer than 2 interactions and cannot be split (original ids ${short.join(', ')}${dropped > short.length ? ', ...' : ''}); filter them (minUserCount) or use onShortUser: 'drop'`,
    );
  }
  if (dropped === U) throw new DatasetError(`leave-one-out split: no user has 2 or more interactions (${U} users)`);
  return { dataset, train, valid, test, droppedUsers: dropped, usersWithoutValidation: noValid };
}

/**
 * Sequences to train on: the training prefixes, or with includeValid the prefixes plus the
 * validation item (the original BERT4Rec trains on these when only the test score is reported).
 */
export function trainingSequences(split: LeaveOneOutSplit, includeValid = false): Int32Array[] {
  if (!includeValid) return split.train;
  return split.train.map((t, u) => {
    if (!split.valid[u]) return t;
    const s = new Int32Array(t.length + 1);
    s.set(t);
    s[t.length] = split.valid[u];
    return s;
  });
}
