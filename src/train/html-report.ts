// A self-contained HTML report of a run (out/report.html): charts of the step events (loss,
// learning rate, gradient norm, samples/s), the validation metrics per epoch, and the test
// table, all drawn from out/events.jsonl. No scripts, styles or images from elsewhere.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lineChartSvg, type Series } from './chart.js';
import { EVENTS_FILE, readEvents, type RunEvent } from './eventlog.js';

export const REPORT_FILE = 'report.html';
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function esc(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : NaN;
}

/** The report's HTML for a list of events. */
export function htmlReport(title: string, events: RunEvent[]): string {
  const steps = events.filter((e) => e.type === 'step');
  const valids = events.filter((e) => e.type === 'valid');
  const epochs = events.filter((e) => e.type === 'epoch');
  const stepChart = (field: string, label: string) =>
    lineChartSvg(label, 'step', [{ name: label, color: COLORS[0], points: steps.map((e) => [num(e.step), num(e[field])] as [number, number]) }]);
  const charts: string[] = [];
  if (steps.length) charts.push(stepChart('loss', 'training loss'), stepChart('lr', 'learning rate'), stepChart('gradNorm', 'gradient norm (before clipping)'), stepChart('samplesPerSec', 'samples/s'));
  if (epochs.length) charts.push(lineChartSvg('epoch loss', 'epoch', [{ name: 'mean loss', color: COLORS[0], points: epochs.map((e) => [num(e.epoch), num(e.loss)] as [number, number]) }]));
  if (valids.length) {
    const keys = Object.keys((valids[valids.length - 1].metrics as Record<string, number>) ?? {}).filter((k) => /@(10|12|20)$/.test(k)).slice(0, 8);
    const series: Series[] = keys.map((k, i) => ({ name: k, color: COLORS[i % COLORS.length], points: valids.map((e) => [num(e.epoch), num((e.metrics as Record<string, number>)[k])] as [number, number]) }));
    charts.push(lineChartSvg(`validation (${String(valids[0].protocol)})`, 'epoch', series, 720, 300));
  }
  const test = [...events].reverse().find((e) => e.type === 'test');
  let table = '<p>No test evaluation in the log.</p>';
  if (test) {
    const protocols = test.protocols as { protocol: string; description: string; users: number; bert4rec: Record<string, number>; mostPopular: Record<string, number> }[];
    const keys = Object.keys(protocols[0]?.bert4rec ?? {});
    const head = protocols.map((p) => `<th>BERT4Rec ${esc(p.protocol)}</th><th>MostPop ${esc(p.protocol)}</th>`).join('');
    const rows = keys.map((k) => `<tr><td>${esc(k)}</td>${protocols.map((p) => `<td>${num(p.bert4rec[k]).toFixed(4)}</td><td>${num(p.mostPopular[k]).toFixed(4)}</td>`).join('')}</tr>`).join('\n');
    const notes = protocols.map((p) => `<li>${esc(p.protocol)}: ${esc(p.description)} (${p.users} users)</li>`).join('');
    table = `<table><tr><th>metric</th>${head}</tr>\n${rows}</table><ul>${notes}</ul>`;
  }
  const start = events.find((e) => e.type === 'start');
  const end = [...events].reverse().find((e) => e.type === 'end');
  const config = start ? `<details><summary>configuration</summary><pre>${esc(JSON.stringify(start.config, null, 2))}</pre></details>` : '';
  const summary = end ? `<p>${num(end.epochsCompleted)} epochs, ${num(end.steps)} steps, ${num(end.trainSeconds).toFixed(0)} s; stopped by ${esc(String(end.stoppedBy))}. Backend ${esc(String(start?.backend ?? '?'))}.</p>` : '';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:24px;max-width:1200px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:12px}</style>
</head><body>
<h1>${esc(title)}</h1>
${summary}
<h2>Test</h2>
${table}
<h2>Training</h2>
<div class="charts">
${charts.join('\n')}
</div>
${config}
</body></html>
`;
}

/** Writes outDir/report.html from outDir/events.jsonl; returns its path. */
export async function writeHtmlReport(outDir: string, title: string): Promise<string> {
  const file = join(outDir, REPORT_FILE);
  await writeFile(file, htmlReport(title, readEvents(join(outDir, EVENTS_FILE))));
  return file;
}
