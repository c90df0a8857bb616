#!/usr/bin/env python3
"""How much the order of equal-timestamp ratings matters on ML-1M users 1..2999 (no training).

Three orders of the same ratings: (a) a stable sort by timestamp of the raw ratings.dat lines
(kang205's order), (b) ratings_reconstructed.dat.gz's order (this project's data), (c) ties
shuffled at random (seed 0). For each: how often the held-out items (last = test, second to last =
validation) agree with (a), and the leave-one-out test figures of a model that only knows item
transitions: score item j after the user's last training item i by how often j followed i in the
training parts (all items but the last) of every sequence, history excluded, top 10.

usage: python3 tie-stats.py SHARED_DATASETS_DIR
"""
import collections, gzip, math, random, sys

src = sys.argv[1]

def load(name):
    users = collections.defaultdict(list)
    for line in gzip.open(f'{src}/ml-1m/{name}', 'rt', encoding='latin-1'):
        u, i, _, t = line.rstrip('\n').split('::')
        users[int(u)].append((int(t), int(i)))
    return users

raw = load('ratings_users0001-2999.dat.gz')
rec = load('ratings_reconstructed.dat.gz')
rng = random.Random(0)
orders = {
    'raw, stable sort (kang205)': {u: [i for _, i in sorted(raw[u], key=lambda r: r[0])] for u in raw},
    'reconstructed (ours)': {u: [i for _, i in sorted(rec[u], key=lambda r: r[0])] for u in raw},
    'ties shuffled (seed 0)': {u: [i for _, i in sorted(raw[u], key=lambda r: (r[0], rng.random()))] for u in raw},
}
n = len(raw)
tied_last = sum(1 for u in raw if sorted(t for t, _ in raw[u])[-1] == sorted(t for t, _ in raw[u])[-2])
pairs = sum(1 for u in raw for a, b in zip(sorted(raw[u]), sorted(raw[u])[1:]) if a[0] == b[0])
print(f'{n} users, {sum(len(s) for s in raw.values()):,} ratings; consecutive pairs with equal timestamps: {pairs:,}; users whose last two ratings tie: {tied_last / n:.3f}')

def transition_model(seqs):
    follows = collections.defaultdict(collections.Counter)
    for s in seqs.values():
        for a, b in zip(s[:-2], s[1:-1]):
            follows[a][b] += 1
    hr = ndcg = 0.0
    for s in seqs.values():
        seen = set(s[:-1])
        top = [j for j, _ in follows[s[-2]].most_common(len(seen) + 10) if j not in seen][:10]
        if s[-1] in top:
            r = top.index(s[-1]) + 1
            hr += 1
            ndcg += 1 / math.log2(r + 1)
    return hr / len(seqs), ndcg / len(seqs)

ref = orders['raw, stable sort (kang205)']
print('| order of tied ratings | same test item as kang205 | same validation item | transition model HR@10 | NDCG@10 |')
print('| --- | ---: | ---: | ---: | ---: |')
for name, seqs in orders.items():
    same_test = sum(seqs[u][-1] == ref[u][-1] for u in raw) / n
    same_valid = sum(seqs[u][-2] == ref[u][-2] for u in raw) / n
    hr, ndcg = transition_model(seqs)
    print(f'| {name} | {same_test:.3f} | {same_valid:.3f} | {hr:.4f} | {ndcg:.4f} |')
