// Live training chart as inline SVG: training loss per step (blue, left axis) and validation
// NDCG@10 at the end of each evaluated epoch (orange, right axis, 0..max).
import type { EpochInfo } from './train.js';

const W = 640;
const H = 260;
const P = { left: 48, right: 48, top: 16, bottom: 32 };
const NS = 'http://www.w3.org/2000/svg';

function scale(v: number, lo: number, hi: number, a: number, b: number): number {
  return hi === lo ? (a + b) / 2 : a + ((v - lo) / (hi - lo)) * (b - a);
}

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Moving average over `w` steps (the raw per-step loss is noisy). */
function smooth(xs: number[], w: number): number[] {
  const out: number[] = [];
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i];
    if (i >= w) s -= xs[i - w];
    out.push(s / Math.min(i + 1, w));
  }
  return out;
}

/** Redraws the chart into `svg` (cleared first). */
export function drawChart(svg: SVGSVGElement, losses: number[], epochs: EpochInfo[]): void {
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const x0 = P.left;
  const x1 = W - P.right;
  const y0 = H - P.bottom;
  const y1 = P.top;
  svg.append(el('rect', { x: 0, y: 0, width: W, height: H, fill: '#fff' }));
  svg.append(el('line', { x1: x0, y1: y0, x2: x1, y2: y0, stroke: '#888' }));
  svg.append(el('line', { x1: x0, y1: y0, x2: x0, y2: y1, stroke: '#888' }));
  svg.append(el('line', { x1: x1, y1: y0, x2: x1, y2: y1, stroke: '#888' }));
  const n = Math.max(losses.length, 1);
  svg.append(el('text', { x: (x0 + x1) / 2, y: H - 6, 'text-anchor': 'middle', 'font-size': 11 }, 'step'));
  svg.append(el('text', { x: x0, y: H - 18, 'text-anchor': 'middle', 'font-size': 10 }, '0'));
  svg.append(el('text', { x: x1, y: H - 18, 'text-anchor': 'middle', 'font-size': 10 }, String(losses.length)));
  if (losses.length === 0) {
    svg.append(el('text', { x: (x0 + x1) / 2, y: (y0 + y1) / 2, 'text-anchor': 'middle', fill: '#888' }, 'no training yet'));
    return;
  }
  const lo = Math.min(...losses);
  const hi = Math.max(...losses);
  const pts = smooth(losses, 10).map((v, i) => `${scale(i + 1, 0, n, x0, x1).toFixed(1)},${scale(v, lo, hi, y0, y1).toFixed(1)}`);
  svg.append(el('polyline', { points: pts.join(' '), fill: 'none', stroke: '#1f77b4', 'stroke-width': 2 }));
  svg.append(el('text', { x: x0 - 4, y: y1 + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#1f77b4' }, hi.toFixed(2)));
  svg.append(el('text', { x: x0 - 4, y: y0, 'text-anchor': 'end', 'font-size': 10, fill: '#1f77b4' }, lo.toFixed(2)));
  svg.append(el('text', { x: x0, y: H - 6, 'font-size': 11, fill: '#1f77b4' }, 'loss (10-step mean)'));
  const ev = epochs.filter((e) => e.ndcg10 !== undefined);
  if (ev.length) {
    const top = Math.max(0.05, ...ev.map((e) => e.ndcg10!));
    const ndcgPts = ev.map((e) => [scale(e.step, 0, n, x0, x1), scale(e.ndcg10!, 0, top, y0, y1)] as const);
    svg.append(el('polyline', { points: ndcgPts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' '), fill: 'none', stroke: '#ff7f0e', 'stroke-width': 2 }));
    for (const [x, y] of ndcgPts) svg.append(el('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 3, fill: '#ff7f0e' }));
    svg.append(el('text', { x: x1 + 4, y: y1 + 4, 'font-size': 10, fill: '#ff7f0e' }, top.toFixed(2)));
    svg.append(el('text', { x: x1 + 4, y: y0, 'font-size': 10, fill: '#ff7f0e' }, '0'));
    svg.append(el('text', { x: x1, y: H - 6, 'text-anchor': 'end', 'font-size': 11, fill: '#ff7f0e' }, `valid NDCG@10 (last ${ev[ev.length - 1].ndcg10!.toFixed(3)})`));
  }
}
