// npm run compare-runs -- OUT1 OUT2 ... : the test metrics of several runs side by side, one
// table per protocol (rows: metrics; columns: runs), with each run's data, settings that
// differ between the runs, epochs and training time. Reads OUT/metrics.json.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCommand, runMain, UsageError } from './common.js';

const HELP = `Usage: npm run compare-runs -- OUT_DIR OUT_DIR ... [--metrics ndcg@10,hr@10] [--json]

Prints the test metrics of several training runs side by side (from each OUT_DIR/metrics.json):
one table per evaluation protocol, the best value of each row marked with *, and the config
values that differ between the runs.

  --metrics LIST   only these metric keys (e.g. ndcg@10,map@12); default: all
  --json           print the comparison as JSON
  --help           this text
`;

interface RunMetrics {
  dir: string;
  doc: {
    data?: { source?: string };
    config?: { model?: Record<string, unknown>; train?: Record<string, unknown> };
    epochsCompleted?: number;
    trainSeconds?: number;
    stoppedBy?: string;
    test?: { protocols?: { protocol: string; users: number; bert4rec: Record<string, number> }[]; bert4rec?: Record<string, Record<string, number> | null> };
  };
}

async function readRun(dir: string): Promise<RunMetrics> {
  const file = join(dir, 'metrics.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found (is it the --out directory of a finished npm run train?)' : String(e)}`);
  }
  try {
    return { dir, doc: JSON.parse(text) };
  } catch (e) {
    throw new UsageError(`${file}: invalid JSON (${(e as Error).message})`);
  }
}

/** Per protocol, metric key -> value; older metrics.json files (without protocols) give 'full' and 'popularity:100'. */
function protocolsOf(r: RunMetrics): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  const t = r.doc.test;
  if (t?.protocols) for (const p of t.protocols) out.set(p.protocol, p.bert4rec);
  else if (t?.bert4rec) {
    const legacy = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([k]) => k !== 'users').map(([k, v]) => [k.replace(/^([a-z]+)(\d+)$/, '$1@$2'), v]));
    if (t.bert4rec.full) out.set('full', legacy(t.bert4rec.full));
    if (t.bert4rec.sampled) out.set('popularity:100', legacy(t.bert4rec.sampled));
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, HELP, { metrics: { type: 'string' }, json: { type: 'boolean' } }, { positionals: true });
  if (!parsed) return 0;
  const { values: a, positionals: dirs } = parsed;
  if (dirs.length < 1) throw new UsageError('pass one or more run directories (see --help)');
  const runs = await Promise.all(dirs.map(readRun));
  const only = a.metrics?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const perRun = runs.map(protocolsOf);
  const protocols = [...new Set(perRun.flatMap((m) => [...m.keys()]))];
  const names = runs.map((r, i) => `run ${i + 1}`);

  // Config values that differ between runs.
  const flat: Record<string, unknown>[] = runs.map((r) => ({ ...prefixed('model', r.doc.config?.model), ...prefixed('train', r.doc.config?.train), data: r.doc.data?.source ?? '?' }));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].filter((k) => new Set(flat.map((f) => JSON.stringify(f[k]))).size > 1);

  if (a.json) {
    console.log(JSON.stringify({ runs: runs.map((r, i) => ({ dir: r.dir, differs: Object.fromEntries(keys.map((k) => [k, flat[i][k]])), protocols: Object.fromEntries(perRun[i]) })) }, null, 2));
    return 0;
  }
  runs.forEach((r, i) => console.log(`${names[i]}: ${r.dir} (${r.doc.epochsCompleted ?? '?'} epochs, ${r.doc.trainSeconds !== undefined ? `${(r.doc.trainSeconds / 60).toFixed(1)} min` : '?'}, stopped by ${r.doc.stoppedBy ?? '?'})`));
  if (keys.length) {
    console.log('\nsettings that differ');
    const show = (v: unknown) => (v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v));
    const kw = Math.max(...keys.map((k) => k.length)) + 2;
    const widths = flat.map((f) => Math.max(12, ...keys.map((k) => show(f[k]).length + 2)));
    for (const k of keys) console.log(`  ${k.padEnd(kw)}${flat.map((f, i) => show(f[k]).padStart(widths[i])).join('')}`);
  }
  for (const p of protocols) {
    const metricKeys = [...new Set(perRun.flatMap((m) => Object.keys(m.get(p) ?? {})))].filter((k) => !only || only.includes(k));
    if (!metricKeys.length) continue;
    console.log(`\n${p}`);
    const w0 = Math.max(8, ...metricKeys.map((k) => k.length));
    console.log(`${'metric'.padEnd(w0)}${names.map((n) => n.padStart(12)).join('')}`);
    for (const k of metricKeys) {
      const vals = perRun.map((m) => m.get(p)?.[k]);
      const best = Math.max(...vals.filter((v): v is number => typeof v === 'number'));
      // (a space keeps the columns aligned where there is no star; none is left at the line's end)
      console.log(`${k.padEnd(w0)}${vals.map((v) => (typeof v === 'number' ? `${v.toFixed(4)}${v === best && runs.length > 1 ? '*' : ' '}` : '-').padStart(12)).join('')}`.trimEnd());
    }
  }
  return 0;
}

function prefixed(section: string, o: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [`${section}.${k}`, v]));
}

runMain(() => main(process.argv.slice(2)));
