// One line describing this machine for the scale benchmarks' records.
import { cpus, totalmem } from 'node:os';

export function machineSummary(): string {
  const c = cpus();
  return `${c[0]?.model.trim() ?? 'unknown CPU'}, ${c.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
}
