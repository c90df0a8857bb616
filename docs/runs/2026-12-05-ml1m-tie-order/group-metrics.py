#!/usr/bin/env python3
"""Full-ranking HR@10 and NDCG@10 of runs per group of users, from `npm run evaluate -- --ranks`.

Groups: users 1..2999 (whose tied ratings can be put in the raw order) and users 3000..6040.
For each pair of runs, the per-user difference of NDCG@10 within each group, with a 95% interval
from 10,000 paired bootstrap resamples of the users (numpy, seed 0).

usage: python3 group-metrics.py NAME=ranks.tsv [NAME=ranks.tsv ...]
"""
import csv, math, sys

import numpy as np

runs = {}
for arg in sys.argv[1:]:
    name, path = arg.split('=', 1)
    with open(path) as f:
        rows = list(csv.DictReader(f, delimiter='\t'))
    runs[name] = {int(r['user_id']): int(r['rank_full']) for r in rows}

groups = {'users 1..2999': lambda u: u <= 2999, 'users 3000..6040': lambda u: u >= 3000, 'all users': lambda u: True}
hr = lambda r: 1.0 if r <= 10 else 0.0
ndcg = lambda r: 1 / math.log2(r + 1) if r <= 10 else 0.0

print('| run | ' + ' | '.join(f'{g} HR@10 | {g} NDCG@10' for g in groups) + ' |')
print('| --- |' + ' ---: | ---: |' * len(groups))
for name, ranks in runs.items():
    cells = []
    for keep in groups.values():
        rs = [r for u, r in ranks.items() if keep(u)]
        cells += [f'{sum(map(hr, rs)) / len(rs):.4f}', f'{sum(map(ndcg, rs)) / len(rs):.4f}']
    print(f'| {name} | ' + ' | '.join(cells) + ' |')

names = list(runs)
rng = np.random.default_rng(0)
print()
print('| NDCG@10 difference | ' + ' | '.join(groups) + ' |')
print('| --- |' + ' ---: |' * len(groups))
for i, a in enumerate(names):
    for b in names[i + 1:]:
        cells = []
        for keep in groups.values():
            users = sorted(u for u in runs[a] if keep(u) and u in runs[b])
            d = np.array([ndcg(runs[a][u]) - ndcg(runs[b][u]) for u in users])
            boots = d[rng.integers(0, len(d), size=(10000, len(d)))].mean(axis=1)
            lo, hi = np.percentile(boots, [2.5, 97.5])
            cells.append(f'{d.mean():+.4f} [{lo:+.4f}, {hi:+.4f}]')
        print(f'| {a} - {b} | ' + ' | '.join(cells) + ' |')
