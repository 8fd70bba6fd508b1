#!/usr/bin/env python3
"""attack_flags.py DIR [--waves] : interval propagation (n = f + g, sums at both levels, optional waves)
PLUS bounds on n_flagged from the published order statistics / mean of the score that defines the
flag (dsi-r FO <= 2.5; sfcds total >= 67.2). Prints hidden f/g/n < k narrowed to width <= 2.
Written by a red-team reviewer, independently of reports/export_common.c (cells that show n
without statistics are skipped: they have none to bound with)."""
import csv, sys, collections, math, json
import xcsv
INF = 10**9
d = sys.argv[1]
k = json.load(open(d + '/manifest.json'))['settings']['k']
rows = xcsv.rows(d + '/aggregates.csv')  # format 3 read as format 2 (xcsv.py)
FLAG = {'dsi-r': ('FO', 'le', 2.5), 'sfcds': ('total', 'ge', 67.2)}
idx = {}; V = []
for r in rows:
    key = (r['instrument'], r['instrument_version'], r['wave'], r['score'], r['level'], r['site'], r['group_pid'])
    idx[key] = len(V); V.append(r)
N = len(V)
lo = {v: [0]*N for v in 'nfg'}; hi = {v: [INF]*N for v in 'nfg'}
def qbounds(n, p, q, thr, le):
    """index-based bounds on f = #{x flagged} from quantile p value q."""
    h = (n - 1) * p; j = int(math.floor(h + 1e-12)); g = h - j
    # sorted ascending x[0..n-1]; x[j] <= q <= x[j+1]
    if le:   # flagged = x <= thr  -> f = count of lowest values
        if q <= thr: return (j + 1, n)          # x[j] <= thr
        return (0, j + 1 if g > 1e-12 else j)   # x[j+1] > thr (or x[j] > thr)
    else:    # flagged = x >= thr -> f = count of highest values
        if q >= thr: return ((n - j - 1) if g > 1e-12 else (n - j), n)  # x[j+1] >= thr
        return (0, n - j - 1)                   # x[j] < thr
vb = 0
FLAGS = {'dsi-r': [('FO', True, 2.5), ('ER', True, 2.5)], 'sfcds': [('total', False, 67.2)]}
def count_bounds(r, thr, le):
    n = int(float(r['n'])); a, b = 0, n
    mn, mx = float(r['min']), float(r['max'])
    for p, col in ((0, 'min'), (0.25, 'q1'), (0.5, 'median'), (0.75, 'q3'), (1, 'max')):
        x, y = qbounds(n, p, float(r[col]), thr, le); a = max(a, x); b = min(b, y)
    S = n * float(r['mean'])
    if le:
        if mx > thr: b = min(b, math.floor((n*mx - S)/(mx - thr) + 1e-9))
        if thr > mn: a = max(a, math.ceil((n*thr - S)/(thr - mn) - 1e-9))
    else:
        if thr > mn: b = min(b, math.floor((S - n*mn)/(thr - mn) + 1e-9))
        if mx > thr: a = max(a, math.ceil((S - n*thr)/(mx - thr) - 1e-9))
    return a, b
for i, r in enumerate(V):
    lo['n'][i] = 1 if r['suppressed'] == 'true' else 0
    if r['n'] != '': lo['n'][i] = hi['n'][i] = int(float(r['n']))
    if r['n_flagged'] != '':
        f = int(float(r['n_flagged'])); lo['f'][i] = hi['f'][i] = f
for i, r in enumerate(V):
    fl = FLAGS.get(r['instrument'])
    if not fl or r['n'] == '' or r['n_flagged'] != '': continue
    key = (r['instrument'], r['instrument_version'], r['wave'], r['score'], r['level'], r['site'], r['group_pid'])
    ub = 0
    for sc, le, thr in fl:
        j = idx.get(key[:3] + (sc,) + key[4:])
        if j is None or V[j]['n'] == '' or V[j]['min'] == '': ub = None; break
        a, b = count_bounds(V[j], thr, le)
        ub += b
        if sc == r['score']: lo['f'][i] = max(lo['f'][i], a)
    if ub is not None: hi['f'][i] = min(hi['f'][i], ub)
    vb += 1
kids = collections.defaultdict(list)
for key, i in idx.items():
    inst, ver, w, sc, lvl, site, g = key
    if lvl == 'site': kids[idx[(inst, ver, w, sc, 'all', '', '')]].append(i)
    if lvl == 'group': kids[idx[(inst, ver, w, sc, 'site', site, '')]].append(i)
le_ = []
if '--waves' in sys.argv:
    for key, i in idx.items():
        k2 = key[:2] + (str(int(key[2]) - 1),) + key[3:]
        if k2 in idx: le_.append((i, idx[k2]))
ch = True
def t(v, i, a, b):
    global ch
    if a > lo[v][i]: lo[v][i] = a; ch = True
    if b < hi[v][i]: hi[v][i] = b; ch = True
it = 0
while ch and it < 1000:
    ch = False; it += 1
    for i in range(N):
        t('n', i, lo['f'][i] + lo['g'][i], hi['f'][i] + hi['g'][i])
        t('f', i, lo['n'][i] - hi['g'][i], hi['n'][i] - lo['g'][i])
        t('g', i, lo['n'][i] - hi['f'][i], hi['n'][i] - lo['f'][i])
    for p, ks in kids.items():
        for v in 'nfg':
            slo = sum(lo[v][x] for x in ks); shi = min(sum(hi[v][x] for x in ks), INF)
            t(v, p, slo, shi)
            for x in ks:
                olo = slo - lo[v][x]; ohi = shi - hi[v][x]
                t(v, x, lo[v][p] - ohi if hi[v][p] < INF and shi < INF else 0, hi[v][p] - olo if hi[v][p] < INF else INF)
    for a, b in le_:
        t('n', a, 0, hi['n'][b]); t('n', b, lo['n'][a], INF)
truth = collections.Counter(); tf = collections.Counter()
for r in csv.DictReader(open(d + '/stats.csv')):
    b = (r['instrument'], r['instrument_version'], r['wave'], r['score'])
    for nd in [('all', '', ''), ('site', r['site'], ''), ('group', r['site'], r['group_pid'])]:
        if r['kind'] == 'freq': truth[b + nd] += int(r['count'])
        if r['kind'] == 'flagged': tf[b + nd] += int(r['count'])
c = 0
for key, i in idx.items():
    r = V[i]
    tv = {'n': truth[key], 'f': tf[key], 'g': truth[key] - tf[key]}
    for v in 'nfg':
        hidden = r['n'] == '' if v == 'n' else r['n_flagged'] == ''
        if hidden and hi[v][i] - lo[v][i] <= 2 and (tv[v] < k and not (v == 'f' and tv[v] == 0)):
            c += 1; print('NARROW %s in [%d,%d] truth=%d %s' % (v, lo[v][i], hi[v][i], tv[v], '/'.join(x[:8] for x in key)))
        if lo[v][i] > tv[v] or hi[v][i] < tv[v]: print('BUG interval excludes truth', v, key, lo[v][i], hi[v][i], tv[v])
print(d, 'k=%d' % k, c, 'narrowed', vb, 'value-bounded cells')
