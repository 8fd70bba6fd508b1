#!/usr/bin/env python3
"""attack.py EXPORT_DIR [--truth] [--exist] : interval bounds on suppressed n / n_flagged from
aggregates.csv alone (hierarchy sums all=sum(sites), site=sum(groups) for n, f=n_flagged and
u=n-f; 0<=f<=n; --exist: a hidden row holds at least 1). Reports every
suppressed value narrowed to width <= 2, and every hidden cell proven all-flagged; the last line
counts the findings. Written by a red-team reviewer, independently of reports/export_common.c."""
import csv, sys, collections
import xcsv
INF = 10**9
def load(path):
    T = collections.OrderedDict()
    for r in xcsv.rows(path):  # format 3 read as format 2 (xcsv.py)
        key = (r['instrument'], r['instrument_version'], r['wave'], r['score'])
        T.setdefault(key, []).append(r)
    return T
def truth(d):
    n = collections.Counter(); f = collections.Counter()
    for r in csv.DictReader(open(d + '/stats.csv', newline='', encoding='utf-8')):
        if r['kind'] not in ('freq', 'flagged'): continue
        base = (r['instrument'], r['instrument_version'], r['wave'], r['score'])
        for node in [('all', '', ''), ('site', r['site'], ''), ('group', r['site'], r['group_pid'])]:
            if r['kind'] == 'freq': n[base + node] += int(r['count'])
            else: f[base + node] += int(r['count'])
    return n, f
def solve(rows, exist=False):
    # nodes: index; children lists
    nodes = []; kids = collections.defaultdict(list); site_idx = {}
    for r in rows:
        i = len(nodes); nodes.append(r)
        if r['level'] == 'site': site_idx[r['site']] = i; kids[0].append(i)
        elif r['level'] == 'group': kids[site_idx[r['site']]].append(i)
    N = len(nodes)
    lo = {v: [0]*N for v in 'nfu'}
    hi = {v: [INF]*N for v in 'nfu'}
    if exist: lo['n'] = [1]*N  # a row exists only if the node has a value; one score per table
    for i, r in enumerate(nodes):
        if r['n'] != '':
            lo['n'][i] = hi['n'][i] = int(float(r['n']))
        if r['n_flagged'] != '':
            lo['f'][i] = hi['f'][i] = int(float(r['n_flagged']))
    changed = True; it = 0
    def tighten(v, i, a, b):
        nonlocal changed
        if a > lo[v][i]: lo[v][i] = a; changed = True
        if b < hi[v][i]: hi[v][i] = b; changed = True
        if lo[v][i] > hi[v][i]: raise Exception('infeasible %s %d' % (v, i))
    while changed and it < 1000:
        changed = False; it += 1
        for i in range(N):  # n = f + u
            tighten('n', i, lo['f'][i] + lo['u'][i], hi['f'][i] + hi['u'][i])
            tighten('f', i, lo['n'][i] - hi['u'][i], hi['n'][i] - lo['u'][i])
            tighten('u', i, lo['n'][i] - hi['f'][i], hi['n'][i] - lo['f'][i])
        for p, ks in kids.items():
            if not ks: continue
            for v in 'nfu':
                slo = sum(lo[v][k] for k in ks); shi = sum(min(hi[v][k], INF) for k in ks)
                tighten(v, p, slo, min(shi, INF))
                for k in ks:
                    olo = slo - lo[v][k]; ohi = shi - hi[v][k]
                    tighten(v, k, lo[v][p] - ohi if hi[v][p] < INF and ohi < INF else 0,
                            hi[v][p] - olo if hi[v][p] < INF else INF)
    return nodes, lo, hi
def main():
    d = sys.argv[1]
    T = load(d + '/aggregates.csv')
    tn, tf = truth(d) if '--truth' in sys.argv else (None, None)
    found = 0
    nsc = collections.Counter(k[:3] for k in T)
    for key, rows in T.items():
        nodes, lo, hi = solve(rows, '--exist' in sys.argv)
        for i, r in enumerate(nodes):
            node = (r['level'], r['site'], r['group_pid'])
            tag = '%s/%s w%s %s | %s site=%r group=%s' % (key[0], key[1], key[2], key[3], node[0], node[1], node[2][:8])
            for v, col in (('n', 'n'), ('f', 'n_flagged')):
                if r[col] != '': continue
                if v == 'f' and r['n'] == '' and False: pass
                w = hi[v][i] - lo[v][i]
                tv = ''
                if tn is not None:
                    tv = ' truth=%d' % (tn[key + node] if v == 'n' else tf[key + node])
                if w <= 2:
                    found += 1
                    print('NARROW %-9s in [%d,%d]%s  %s' % (col, lo[v][i], hi[v][i], tv, tag))
            if r['n_flagged'] == '' and hi['u'][i] == 0 and hi['n'][i] > 0:
                found += 1
                print('ALLFLAG every administration flagged (n-n_flagged=0), n in [%d,%s]  %s' % (lo['n'][i], hi['n'][i] if hi['n'][i] < INF else 'inf', tag))
            if r['n_flagged'] == '' and hi['f'][i] == 0 and r['n'] != '' and False:
                print('NOFLAG', tag)
    print('%s: %d findings' % (d, found))
main()
