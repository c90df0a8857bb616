#!/usr/bin/env python3
"""ML-1M with the original order of equal-timestamp ratings where it is known.

../shared/datasets/ml-1m/ratings_reconstructed.dat.gz orders the ratings a user gave in the same
second as an unstable pandas sort left them (PROVENANCE.md). For users 1..2999 the verbatim raw
ratings.dat lines exist (ratings_users0001-2999.dat.gz); a stable sort by timestamp of those lines
gives the order kang205's ml-1m.txt (SASRec's and SASRec+'s data) has. This writes those users'
raw lines, then the reconstructed lines of users 3000..6040 unchanged, in the raw
UserID::MovieID::Rating::Timestamp format that `npm run train -- --data` reads (its loader sorts
each user's lines by timestamp, stably). Same 1,000,209 (user, item, rating, timestamp) rows.

usage: python3 make-data.py SHARED_DATASETS_DIR OUT.dat.gz
"""
import gzip, sys

src, out = sys.argv[1], sys.argv[2]
raw = list(gzip.open(f'{src}/ml-1m/ratings_users0001-2999.dat.gz', 'rt', encoding='latin-1'))
raw_users = {int(line.split('::')[0]) for line in raw}
rest = [line for line in gzip.open(f'{src}/ml-1m/ratings_reconstructed.dat.gz', 'rt', encoding='latin-1')
        if int(line.split('::')[0]) not in raw_users]
with gzip.open(out, 'wt', encoding='latin-1') as f:
    f.writelines(raw)
    f.writelines(rest)
print(f'{out}: {len(raw):,} raw lines (users {min(raw_users)}..{max(raw_users)}) + {len(rest):,} reconstructed lines')
