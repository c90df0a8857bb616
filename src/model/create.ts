// The one place that maps a config's architecture to a model class.
import type { Runtime } from '../../runtime/index.js';
import type { Architecture, Bert4RecConfig } from '../config.js';
import { Bert4Rec } from './bert4rec.js';
import type { SequenceRecommender } from './recommender.js';
import { SasRec } from './sasrec.js';

/** The architecture of a model config (configs written before SASRec existed have none: BERT4Rec). */
export function architectureOf(config: Bert4RecConfig): Architecture {
  return config.architecture ?? 'bert4rec';
}

export function createModel(rt: Runtime, numItems: number, config: Bert4RecConfig, seed = 0): SequenceRecommender {
  return architectureOf(config) === 'sasrec' ? new SasRec(rt, numItems, config, seed) : new Bert4Rec(rt, numItems, config, seed);
}
