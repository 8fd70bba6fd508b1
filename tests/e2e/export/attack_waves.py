#!/usr/bin/env python3
"""attack_waves.py DIR [--exist] [--waves] [--truth]: global interval propagation over every table of
aggregates.csv. --waves adds the (soft) assumption n[w+1] <= n[w] and f... for the same node
(fixed group membership, no missing scores). Prints suppressed values narrowed to width <= 2 that
the single-table solver (attack.py) could not narrow. Written by a red-team reviewer,
independently of reports/export_common.c."""
import csv, sys, collections
import xcsv
INF = 10**9
d = sys.argv[1]
rows = xcsv.rows(d + '/aggregates.csv')  # format 3 read as format 2 (xcsv.py)
idx = {}; V = []
for r in rows:
    key = (r['instrument'], r['instrument_version'], r['wave'], r['score'], r['level'], r['site'], r['group_pid'])
    idx[key] = len(V); V.append(r)
N = len(V)
lo = {v: [0]*N for v in 'nfu'}; hi = {v: [INF]*N for v in 'nfu'}
nsc = collections.defaultdict(set)
for r in V: nsc[(r['instrument'], r['instrument_version'], r['wave'])].add(r['score'])
for i, r in enumerate(V):
    if '--exist' in sys.argv: lo['n'][i] = 1
    if r['n'] != '': lo['n'][i] = hi['n'][i] = int(float(r['n']))
    if r['n_flagged'] != '': lo['f'][i] = hi['f'][i] = int(float(r['n_flagged']))
eqs = []  # (parent, [kids])
kids = collections.defaultdict(list)
for k, i in idx.items():
    inst, ver, w, sc, lvl, site, g = k
    if lvl == 'site': kids[idx[(inst, ver, w, sc, 'all', '', '')]].append(i)
    if lvl == 'group': kids[idx[(inst, ver, w, sc, 'site', site, '')]].append(i)
le = []  # (a, b): n[a] <= n[b]
if '--waves' in sys.argv:
    for k, i in idx.items():
        k2 = k[:2] + (str(int(k[2]) - 1),) + k[3:]
        if k2 in idx: le.append((i, idx[k2]))
def t(v, i, a, b):
    global ch
    if a > lo[v][i]: lo[v][i] = a; ch = True
    if b < hi[v][i]: hi[v][i] = b; ch = True
ch = True; it = 0
while ch and it < 500:
    ch = False; it += 1
    for i in range(N):
        t('n', i, lo['f'][i] + lo['u'][i], hi['f'][i] + hi['u'][i])
        t('f', i, lo['n'][i] - hi['u'][i], hi['n'][i] - lo['u'][i])
        t('u', i, lo['n'][i] - hi['f'][i], hi['n'][i] - lo['f'][i])
    for p, ks in kids.items():
        for v in 'nfu':
            slo = sum(lo[v][k] for k in ks); shi = min(sum(hi[v][k] for k in ks), INF)
            t(v, p, slo, shi)
            for k in ks:
                olo = slo - lo[v][k]; ohi = shi - hi[v][k]
                t(v, k, lo[v][p] - ohi if hi[v][p] < INF and shi < INF else 0, hi[v][p] - olo if hi[v][p] < INF else INF)
    for a, b in le:
        t('n', a, 0, hi['n'][b]); t('n', b, lo['n'][a], INF)
truth = collections.Counter()
if '--truth' in sys.argv:
    for r in csv.DictReader(open(d + '/stats.csv')):
        if r['kind'] == 'freq':
            b = (r['instrument'], r['instrument_version'], r['wave'], r['score'])
            for nd in [('all', '', ''), ('site', r['site'], ''), ('group', r['site'], r['group_pid'])]: truth[b + nd] += int(r['count'])
c = 0
for k, i in idx.items():
    r = V[i]
    if r['n'] == '' and hi['n'][i] - lo['n'][i] <= 2:
        c += 1; print('NARROW n in [%d,%d] truth=%s %s' % (lo['n'][i], hi['n'][i], truth.get(k, '?'), '/'.join(x[:8] for x in k)))
print(d, c, 'narrowed n')
