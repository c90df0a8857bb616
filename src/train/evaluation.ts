// Validation and test evaluation of a run, shared by training (src/train/trainer.ts) and
// `npm run evaluate` (src/cli/evaluate.ts), so both compute the same figures from the same
// candidates: protocols, metrics and the validation metric come from the train config.
import type { TrainConfig } from '../config.js';
import { trainingSequences, type LeaveOneOutSplit } from '../data/split.js';
import { rankProtocols, rankProtocolsShared, type Scorer } from '../eval/evaluate.js';
import { buildEvalSet, evalSubset, type EvalSet, type Stage } from '../eval/inputs.js';
import { computeMetrics, metricAtK, metricGrid, parseKs, parseMetricAtK, parseMetricNames, type MetricAtK } from '../eval/metric-defs.js';
import { metricsFromRanks } from '../eval/metrics.js';
import { itemCounts, mostPopularScores } from '../eval/popularity.js';
import { describeProtocol, parseProtocols, protocolCandidates, protocolName, type Protocol } from '../eval/protocols.js';
import type { TieRule } from '../eval/rank.js';
import type { TestReport } from './report.js';

export interface EvalPlan {
  protocols: Protocol[];
  metrics: MetricAtK[];
  validMetric: MetricAtK;
  ties: TieRule;
}

export function evalPlan(tc: TrainConfig): EvalPlan {
  return {
    protocols: parseProtocols(tc.evalProtocols),
    metrics: metricGrid(parseMetricNames(tc.metrics), parseKs(tc.ks)),
    validMetric: parseMetricAtK(tc.validMetric),
    ties: tc.ties,
  };
}

export interface ProtocolReport {
  protocol: string;
  description: string;
  users: number;
  /** Metric key ('ndcg@10', ...) -> mean over users. */
  bert4rec: Record<string, number>;
  mostPopular: Record<string, number>;
}

export interface TestResults {
  protocols: ProtocolReport[];
  /** The fixed older summary (HR@1/5/10/20, NDCG@5/10/20, MRR; sampled = the first popularity protocol). */
  legacy: TestReport;
  /** Per test user (dense user index, target item index): the model's 1-based rank of the target under each protocol of `protocols`, same order. */
  perUser: { users: Int32Array; targets: Int32Array; ranks: Int32Array[] };
}

export interface ValidationResult {
  /** The validation metric's value on the first protocol. */
  value: number;
  protocol: string;
  metrics: Record<string, number>;
  ndcg10: number;
  hr10: number;
}

export interface RunEvaluatorOptions {
  maxLen: number;
  /** Seed of the sampled negatives (the run's seed). */
  seed: number;
  /** Users per scorer call. */
  batchSize: number;
  lengthBucket: number;
  /** Validate during training on this many fixed random users (0 or absent: all of them). */
  validUsers?: number;
}

/** Evaluation sets and sampled candidates of one run, built once. */
export class RunEvaluator {
  readonly plan: EvalPlan;
  private readonly sets = new Map<Stage | 'valid-subset', { set: EvalSet; candidates: (Int32Array[] | null)[] }>();
  private readonly popularity: Float64Array;

  constructor(private readonly split: LeaveOneOutSplit, plan: EvalPlan, private readonly o: RunEvaluatorOptions) {
    this.plan = plan;
    const ds = split.dataset;
    // Popularity over the whole data set, as the original BERT4Rec draws its negatives.
    this.popularity = itemCounts(ds.sequences, ds.numItems);
  }

  private stage(stage: Stage | 'valid-subset', protocols: Protocol[]): { set: EvalSet; candidates: (Int32Array[] | null)[] } {
    let s = this.sets.get(stage);
    if (!s) {
      const set: EvalSet = stage === 'valid-subset' ? evalSubset(this.stage('valid', protocols).set, this.o.validUsers ?? 0, this.o.seed) : buildEvalSet(this.split, stage, this.o.maxLen);
      s = { set, candidates: protocols.map((p) => protocolCandidates(set, p, this.popularity, this.o.seed)) };
      this.sets.set(stage, s);
    }
    return s;
  }

  get validUsers(): number {
    return this.stage('valid', this.plan.protocols.slice(0, 1)).set.users.length;
  }

  /** Users of the validations during training: a fixed subset when validUsers asks for fewer than all. */
  get trainingValidUsers(): number {
    return this.stage('valid-subset', this.plan.protocols.slice(0, 1)).set.users.length;
  }

  /** Whether validation during training sees a subset (the final choice then re-validates on all users). */
  get validatesSubset(): boolean {
    return this.trainingValidUsers < this.validUsers;
  }

  /**
   * Validation on the first protocol: every metric of the plan, the validation metric, NDCG@10
   * and HR@10; on the fixed subset of users when validUsers is set, unless `all`.
   */
  async validate(scorer: Scorer, { all = false }: { all?: boolean } = {}): Promise<ValidationResult> {
    const first = this.plan.protocols[0];
    const { set, candidates } = this.stage(all ? 'valid' : 'valid-subset', [first]);
    const [ranks] = await rankProtocols(set, scorer, candidates, this.scoreOptions());
    const wanted = [...this.plan.metrics, this.plan.validMetric, metricAtK('ndcg', 10), metricAtK('hr', 10)];
    const metrics = computeMetrics(ranks, wanted.filter((m, i) => wanted.findIndex((x) => x.key === m.key) === i));
    return { value: metrics[this.plan.validMetric.key], protocol: protocolName(first), metrics, ndcg10: metrics['ndcg@10'], hr10: metrics['hr@10'] };
  }

  /** Test metrics of the model and of the most-popular baseline under every protocol. */
  async test(scorer: Scorer): Promise<TestResults> {
    // Full ranking is always computed (for the legacy summary), reported only when asked for.
    const protocols = this.plan.protocols.some((p) => p.kind === 'full') ? this.plan.protocols : [...this.plan.protocols, { kind: 'full' as const }];
    const { set, candidates } = this.stage('test', protocols);
    const ranks = await rankProtocols(set, scorer, candidates, this.scoreOptions());
    const popScores = mostPopularScores(itemCounts(trainingSequences(this.split, true), set.numItems));
    const popRanks = rankProtocolsShared(set, popScores, candidates, this.plan.ties);
    // The plan's protocols come first in `protocols`, so their ranks are ranks[0 .. plan length).
    const reports = this.plan.protocols.map((p, i) => ({
      protocol: protocolName(p),
      description: describeProtocol(p, set.numItems),
      users: set.users.length,
      bert4rec: computeMetrics(ranks[i], this.plan.metrics),
      mostPopular: computeMetrics(popRanks[i], this.plan.metrics),
    }));
    const full = protocols.findIndex((p) => p.kind === 'full');
    const pop = protocols.findIndex((p) => p.kind === 'popularity');
    const legacy: TestReport = {
      bert4rec: { full: metricsFromRanks(ranks[full]), sampled: pop >= 0 ? metricsFromRanks(ranks[pop]) : null },
      mostPopular: { full: metricsFromRanks(popRanks[full]), sampled: pop >= 0 ? metricsFromRanks(popRanks[pop]) : null },
    };
    return { protocols: reports, legacy, perUser: { users: set.users, targets: set.targets, ranks: ranks.slice(0, this.plan.protocols.length) } };
  }

  private scoreOptions() {
    return { batchSize: this.o.batchSize, lengthBucket: this.o.lengthBucket, ties: this.plan.ties };
  }
}
