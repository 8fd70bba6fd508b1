#!/usr/bin/env node
// peer_duckdb_wide.mjs - DuckDB contender for `make bench` that computes and writes the values
// of `qscore score --format wide` (docs/score.md "Wide format"; bench/README.md).
//
//   node peer_duckdb_wide.mjs THREADS KEY.txt IN.csv OUT.csv
//
// One SQL statement in an in-memory DuckDB (@duckdb/node-api) limited to THREADS threads,
// read_csv over the export and COPY ... TO OUT.csv, rows in input order, with qscore's wide
// columns for an instrument without norms:
//   response_id, client_id, instrument, administered, group, therapist,
//   then per score (key file order = the instrument's order) <score>, <score>_status,
//   then flags, validity, missing_fraction, longstring, irv.
// What it computes, from the key file make_key.py writes (every rule read from the instrument):
// - per score: k answered items; k < min_answered -> empty value, `insufficient`; else the mean
//   of the keyed values (min + max - x when reversed) over the answered items, `ok` when k = n,
//   `prorated` when k < n;
// - flags: the ids of the flags whose rule holds (SQL three-valued logic: a comparison with an
//   insufficient score is unknown, so the flag is not listed, as in qscore's wide file),
//   `;`-separated in file order, empty when none;
// - validity: `careless` (longstring > max_longstring), `invalid` (missing_fraction >
//   max_missing_fraction), both as `careless;invalid`, else `ok` (the DSI-R sets no min_irv, so
//   `not_evaluable` cannot occur);
// - missing_fraction = unanswered / items; longstring = longest run of one answer over the items
//   in published order, a blank ending a run; irv = sqrt((k sumsq - sum^2) / (k (k - 1))) over
//   the answered raw answers (qscore's formula: exact integer numerator), empty when k < 2.
// administered, group and therapist are empty (the bench mapping has no such columns).
// What it does not do that qscore does: check values are on the scale, quarantine, detect
// duplicate ids, guard text against spreadsheet formulas, quote fields holding ';'.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [threads, keyPath, inPath, outPath] = process.argv.slice(2);
if (!outPath || !/^[1-9][0-9]*$/.test(threads)) {
  console.error('usage: peer_duckdb_wide.mjs THREADS KEY.txt IN.csv OUT.csv');
  process.exit(2);
}

// The key and rules, as written by make_key.py.
let lo, hi, maxLongstring, maxMissing;
let reverse = new Set();
let items = [];
const scores = [];
const need = new Map();
const flags = [];
for (const line of readFileSync(keyPath, 'utf8').split('\n')) {
  const f = line.trim().split(/\s+/);
  if (f[0] === '' || f[0].startsWith('#')) continue;
  if (f[0] === 'min') lo = Number(f[1]);
  else if (f[0] === 'max') hi = Number(f[1]);
  else if (f[0] === 'reverse') reverse = new Set(f.slice(1).map(Number));
  else if (f[0] === 'score') scores.push([f[1], f.slice(2).map(Number)]);
  else if (f[0] === 'items') items = f.slice(1).map(Number);
  else if (f[0] === 'min_answered') need.set(f[1], Number(f[2]));
  else if (f[0] === 'flag') flags.push([f[1], f.slice(2)]);
  else if (f[0] === 'max_longstring') maxLongstring = Number(f[1]);
  else if (f[0] === 'max_missing_fraction') maxMissing = Number(f[1]);
}
if (!items.length || scores.some(([id]) => !need.has(id))) {
  console.error('peer_duckdb_wide.mjs: the key file lacks items or min_answered (rerun bench/make_key.py)');
  process.exit(2);
}

const lit = (s) => `'${s.replaceAll("'", "''")}'`;
const ident = (s) => `"${s.replaceAll('"', '""')}"`;
const col = (i) => `DSIR_${i}`;
const keyed = (i) => (reverse.has(i) ? `(${lo + hi} - ${col(i)})` : col(i));
const answered = (ids) => ids.map((i) => `(${col(i)} IS NOT NULL)::INTEGER`).join(' + ');
const sumOf = (ids) => ids.map((i) => `coalesce(${keyed(i)}, 0)`).join(' + ');
const sumRaw = (ids, sq) =>
  ids.map((i) => `coalesce(${sq ? `${col(i)} * ${col(i)}` : col(i)}, 0)`).join(' + ');

// Stage 1: per score its keyed sum and count, and the validity sums (count, sum and sum of
// squares of the raw answers).
const s1 = [`ResponseId`, `client_id`, ...items.map(col)];
for (const [id, ids] of scores) {
  s1.push(`(${sumOf(ids)}) AS ${ident(`s_${id}`)}`, `(${answered(ids)}) AS ${ident(`k_${id}`)}`);
}
s1.push(`(${answered(items)})::BIGINT AS n_ans`, `(${sumRaw(items, false)})::BIGINT AS raw_sum`,
  `(${sumRaw(items, true)})::BIGINT AS raw_sumsq`);
let from = `(SELECT ${s1.join(', ')} FROM read_csv(${lit(inPath)}, header = true))`;
// Then the run length ending at each item, one subquery per item: r_j = r_(j-1) + 1 when item
// j repeats item j-1, 1 when answered, 0 when blank (a chain of lateral column aliases would
// be expanded into one expression per run, quadratic in the items: seconds of planning alone).
items.forEach((it, j) => {
  const r = j === 0
    ? `CASE WHEN ${col(it)} IS NULL THEN 0 ELSE 1 END`
    : `CASE WHEN ${col(it)} IS NULL THEN 0 WHEN ${col(it)} = ${col(items[j - 1])} THEN r_${j - 1} + 1 ELSE 1 END`;
  from = `(SELECT *, ${r} AS r_${j} FROM ${from})`;
});
const longstring = `greatest(${items.map((_, j) => `r_${j}`).join(', ')})`;

// Stage 2: values, statuses, flags, validity.
const value = (id) =>
  `CASE WHEN ${ident(`k_${id}`)} >= ${need.get(id)} THEN ${ident(`s_${id}`)}::DOUBLE / ${ident(`k_${id}`)} END`;
const s2 = [`ResponseId AS response_id`, `client_id`, `'dsi-r' AS instrument`,
  `NULL::VARCHAR AS administered`, `NULL::VARCHAR AS "group"`, `NULL::VARCHAR AS therapist`];
for (const [id, ids] of scores) {
  s2.push(`${value(id)} AS ${ident(id)}`,
    `CASE WHEN ${ident(`k_${id}`)} < ${need.get(id)} THEN 'insufficient' ` +
      `WHEN ${ident(`k_${id}`)} < ${ids.length} THEN 'prorated' ELSE 'ok' END AS ${ident(`${id}_status`)}`);
}
const flagSql = flags.map(([id, rule]) => {
  const parts = [];
  for (let i = 0; i < rule.length; i++) {
    if (rule[i] === 'and' || rule[i] === 'or') { parts.push(rule[i].toUpperCase()); continue; }
    parts.push(`(${value(rule[i])} ${rule[i + 1]} ${Number(rule[i + 2])})`);
    i += 2;
  }
  return `CASE WHEN ${parts.join(' ')} THEN ${lit(id)} END`;
});
s2.push(`nullif(concat_ws(';', ${flagSql.join(', ') || 'NULL'}), '') AS flags`);
const mf = `(${items.length} - n_ans)::DOUBLE / ${items.length}`;
const careless = maxLongstring > 0 ? `${longstring} > ${maxLongstring}` : 'false';
const invalid = maxMissing === undefined ? 'false' : `${mf} > ${maxMissing}`;
s2.push(`CASE WHEN ${careless} AND ${invalid} THEN 'careless;invalid' WHEN ${careless} THEN 'careless' ` +
  `WHEN ${invalid} THEN 'invalid' ELSE 'ok' END AS validity`);
s2.push(`${mf} AS missing_fraction`, `${longstring} AS longstring`,
  `CASE WHEN n_ans >= 2 THEN sqrt((n_ans * raw_sumsq - raw_sum * raw_sum)::DOUBLE / (n_ans * (n_ans - 1))::DOUBLE) END AS irv`);

const sql =
  `COPY (SELECT ${s2.join(', ')} FROM ${from}) TO ${lit(outPath)} (FORMAT csv, HEADER true)`;

if (process.env.PEER_SQL) console.log(sql);
const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const connection = await instance.connect();
await connection.run(sql);
connection.closeSync();
instance.closeSync();
