// Training-curve chart: loss and validation NDCG@10 per epoch, as a standalone SVG.

export interface EpochPoint {
  epoch: number;
  loss: number;
  /** Validation NDCG@10, when evaluated that epoch. */
  ndcg10?: number;
}

const W = 720;
const H = 360;
const PAD = { left: 56, right: 56, top: 36, bottom: 44 };

function scale(v: number, lo: number, hi: number, outLo: number, outHi: number): number {
  if (hi === lo) return (outLo + outHi) / 2;
  return outLo + ((v - lo) / (hi - lo)) * (outHi - outLo);
}

function polyline(points: Array<[number, number]>, color: string): string {
  if (points.length === 0) return '';
  const d = points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const dots = points.map(([x, y]) => `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.5" fill="${color}"/>`).join('');
  return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${d}"/>${dots}`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

/** Renders the curve: loss on the left axis (blue), NDCG@10 on the right axis (orange). */
export function trainingCurveSvg(points: EpochPoint[], title = 'BERT4Rec training'): string {
  const x0 = PAD.left;
  const x1 = W - PAD.right;
  const y0 = H - PAD.bottom;
  const y1 = PAD.top;
  const epochs = points.map((p) => p.epoch);
  const eMin = Math.min(...epochs, 1);
  const eMax = Math.max(...epochs, 1);
  const losses = points.map((p) => p.loss).filter(Number.isFinite);
  const lMin = losses.length ? Math.min(...losses) : 0;
  const lMax = losses.length ? Math.max(...losses) : 1;
  const ndcgs = points.filter((p) => p.ndcg10 !== undefined).map((p) => p.ndcg10!);
  const nMax = Math.max(0.01, ...ndcgs) * 1.1;
  const lossPts = points.filter((p) => Number.isFinite(p.loss)).map((p) => [scale(p.epoch, eMin, eMax, x0, x1), scale(p.loss, lMin, lMax, y0, y1)] as [number, number]);
  const ndcgPts = points.filter((p) => p.ndcg10 !== undefined).map((p) => [scale(p.epoch, eMin, eMax, x0, x1), scale(p.ndcg10!, 0, nMax, y0, y1)] as [number, number]);
  const ticks: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const y = scale(i, 0, 4, y0, y1);
    const lv = lMin + ((lMax - lMin) * i) / 4;
    const nv = (nMax * i) / 4;
    ticks.push(`<line x1="${x0}" x2="${x1}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#eee"/>`);
    ticks.push(`<text x="${x0 - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#1f77b4">${lv.toFixed(3)}</text>`);
    ticks.push(`<text x="${x1 + 6}" y="${(y + 4).toFixed(1)}" font-size="11" fill="#ff7f0e">${nv.toFixed(3)}</text>`);
  }
  const step = Math.max(1, Math.ceil((eMax - eMin + 1) / 10));
  for (let e = eMin; e <= eMax; e += step) {
    const x = scale(e, eMin, eMax, x0, x1);
    ticks.push(`<text x="${x.toFixed(1)}" y="${y0 + 16}" text-anchor="middle" font-size="11">${e}</text>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>
${ticks.join('\n')}
<line x1="${x0}" x2="${x1}" y1="${y0}" y2="${y0}" stroke="#333"/>
<text x="${(x0 + x1) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">epoch</text>
<text x="14" y="${H / 2}" font-size="12" fill="#1f77b4" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">training loss</text>
<text x="${W - 10}" y="${H / 2}" font-size="12" fill="#ff7f0e" transform="rotate(90 ${W - 10} ${H / 2})" text-anchor="middle">validation NDCG@10</text>
${polyline(lossPts, '#1f77b4')}
${polyline(ndcgPts, '#ff7f0e')}
</svg>
`;
}

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
}

/** A line chart of one or more series sharing both axes, as an inline <svg> element (no XML prolog). */
export function lineChartSvg(title: string, xLabel: string, series: Series[], width = 560, height = 260): string {
  const pad = { left: 64, right: 16, top: 28, bottom: 40 };
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const [xMin, xMax] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const [yMin, yMax] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  const x0 = pad.left;
  const x1 = width - pad.right;
  const y0 = height - pad.bottom;
  const y1 = pad.top;
  const fmt = (v: number) => (Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 0.001) ? v.toExponential(2) : v.toPrecision(4));
  const lines = series
    .map((s) => {
      const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => [scale(x, xMin, xMax, x0, x1), scale(y, yMin, yMax, y0, y1)] as [number, number]);
      return polyline(pts, s.color);
    })
    .join('');
  const legend = series.map((s, i) => `<text x="${x0 + 8 + i * 150}" y="${y1 - 8}" font-size="11" fill="${s.color}">${escapeXml(s.name)}</text>`).join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<text x="${width / 2}" y="14" font-size="13" text-anchor="middle">${escapeXml(title)}</text>`,
    `<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#444"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#444"/>`,
    `<text x="${x0 - 4}" y="${y0}" font-size="10" text-anchor="end">${fmt(yMin)}</text><text x="${x0 - 4}" y="${y1 + 8}" font-size="10" text-anchor="end">${fmt(yMax)}</text>`,
    `<text x="${x0}" y="${y0 + 14}" font-size="10">${fmt(xMin)}</text><text x="${x1}" y="${y0 + 14}" font-size="10" text-anchor="end">${fmt(xMax)}</text>`,
    `<text x="${(x0 + x1) / 2}" y="${height - 8}" font-size="11" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    legend,
    lines,
    '</svg>',
  ].join('\n');
}
