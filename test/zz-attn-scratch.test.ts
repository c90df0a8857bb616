import { it } from 'vitest';
import { getRuntime } from './backends.js';
import { attnCases, makeInputs, runFused } from './cases/attention.js';
import { refAttention, refAttentionBackward } from './reference/attention.js';

const maxErr = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };
it('errors', async () => {
  for (const be of ['wasm', 'webgpu'] as const) {
    const rt = await getRuntime(be);
    for (const c of attnCases) {
      const x = makeInputs(c);
      const t0 = performance.now();
      const r = await runFused(rt, c, x);
      const ms = performance.now() - t0;
      const ref = refAttention(x.q, x.k, x.v, x.mask, c);
      const g = refAttentionBackward(x.dOut, x.q, x.k, x.v, x.mask, c);
      console.log(be, c.name, ms.toFixed(0) + 'ms', 'out', maxErr(r.out, ref.out).toExponential(1), 'lse', maxErr(r.lse, ref.lse).toExponential(1), 'dq', maxErr(r.dq, g.dq).toExponential(1), 'dk', maxErr(r.dk, g.dk).toExponential(1), 'dv', maxErr(r.dv, g.dv).toExponential(1), 'maxdq', maxErr(g.dq, new Float64Array(g.dq.length)).toFixed(2));
    }
  }
});
