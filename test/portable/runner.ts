// Runs the portable cases on each backend outside vitest (Deno, browsers).
import { createRuntime, type BackendName } from '../../runtime/index.js';
import { coreOpCases } from '../cases/core-ops.js';
import { autogradCases } from '../cases/autograd.js';
import { nnCases } from '../cases/nn.js';
import { optimCases } from '../cases/optim.js';
import { layerNormCases } from '../cases/layernorm.js';
import { geluCases } from '../cases/gelu.js';
import { dropoutCases } from '../cases/dropout.js';
import { attentionCases } from '../cases/attention.js';
import { softmaxXentCases } from '../cases/softmax_xent.js';
import { embeddingCases } from '../cases/embedding.js';
import { adamwCases } from '../cases/adamw.js';
import { gradNormCases } from '../cases/grad_norm.js';
import { matmulCases } from '../cases/matmul.js';
import { nonfiniteCases } from '../cases/nonfinite.js';
import type { PortableCase } from '../cases/types.js';

export const portableSuites: Record<string, PortableCase[]> = {
  'non-finite checks': nonfiniteCases,
  'softmax cross-entropy': softmaxXentCases,
  embedding: embeddingCases,
  adamW: adamwCases,
  'grad norm': gradNormCases,
  'core ops': coreOpCases,
  attention: attentionCases,
  autograd: autogradCases,
  nn: nnCases,
  optim: optimCases,
  'layer norm': layerNormCases,
  gelu: geluCases,
  dropout: dropoutCases,
  matmul: matmulCases,
};

export interface CaseResult {
  backend: string;
  suite: string;
  name: string;
  ok: boolean;
  error?: string;
  ms: number;
}

export interface RunSummary {
  backends: Record<string, string>;
  results: CaseResult[];
  passed: number;
  failed: number;
}

export async function runPortable(backends: BackendName[], log: (line: string) => void = () => {}): Promise<RunSummary> {
  const summary: RunSummary = { backends: {}, results: [], passed: 0, failed: 0 };
  for (const backend of backends) {
    let rt;
    try {
      rt = await createRuntime({ backend });
    } catch (e) {
      // A missing backend is a failure, never a skip.
      const error = e instanceof Error ? e.message : String(e);
      summary.results.push({ backend, suite: 'setup', name: `create ${backend} runtime`, ok: false, error, ms: 0 });
      summary.failed++;
      log(`FAIL ${backend}: cannot create runtime: ${error}`);
      continue;
    }
    summary.backends[backend] = rt.backend.description;
    log(`backend ${backend}: ${rt.backend.description}`);
    for (const [suite, cases] of Object.entries(portableSuites)) {
      for (const c of cases) {
        const t0 = performance.now();
        let error: string | undefined;
        try {
          await c.run(rt);
          await rt.sync();
        } catch (e) {
          error = e instanceof Error ? `${e.message}` : String(e);
        }
        const r = { backend, suite, name: c.name, ok: !error, error, ms: performance.now() - t0 };
        summary.results.push(r);
        if (r.ok) summary.passed++;
        else {
          summary.failed++;
          log(`FAIL [${backend}] ${suite} > ${c.name}: ${error}`);
        }
      }
    }
    rt.destroy();
  }
  log(`${summary.passed} passed, ${summary.failed} failed`);
  return summary;
}
