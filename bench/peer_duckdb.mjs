#!/usr/bin/env node
// peer_duckdb.mjs - DuckDB contender for `make bench` (bench/README.md).
//
//   node peer_duckdb.mjs THREADS KEY.txt IN.csv OUT.csv
//
// One SQL statement in an in-memory DuckDB (@duckdb/node-api) limited to THREADS threads:
// read_csv over the export, reverse-keying as (min + max) - x, each scale's mean over the
// answered items (sum of the non-NULL keyed values / their count; no minimum), and
// COPY ... TO OUT.csv with ResponseId, client_id, ER, IP, EC, FO, total in input order.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [threads, keyPath, inPath, outPath] = process.argv.slice(2);
if (!outPath || !/^[1-9][0-9]*$/.test(threads)) {
  console.error('usage: peer_duckdb.mjs THREADS KEY.txt IN.csv OUT.csv');
  process.exit(2);
}

// The key, as written by make_key.py.
let lo, hi;
let reverse = new Set();
const scores = [];
for (const line of readFileSync(keyPath, 'utf8').split('\n')) {
  const f = line.trim().split(/\s+/);
  if (f[0] === '' || f[0].startsWith('#')) continue;
  if (f[0] === 'min') lo = Number(f[1]);
  else if (f[0] === 'max') hi = Number(f[1]);
  else if (f[0] === 'reverse') reverse = new Set(f.slice(1).map(Number));
  else if (f[0] === 'score') scores.push([f[1], f.slice(2).map(Number)]);
}

const lit = (s) => `'${s.replaceAll("'", "''")}'`;
const ident = (s) => `"${s.replaceAll('"', '""')}"`;
const keyed = (i) => (reverse.has(i) ? `(${lo + hi} - DSIR_${i})` : `DSIR_${i}`);
const meanExpr = (ids) =>
  `(${ids.map((i) => `coalesce(${keyed(i)}, 0)`).join(' + ')})::DOUBLE / ` +
  `nullif(${ids.map((i) => `(DSIR_${i} IS NOT NULL)::INTEGER`).join(' + ')}, 0)`;

const sql =
  `COPY (SELECT ResponseId, client_id, ` +
  scores.map(([id, ids]) => `${meanExpr(ids)} AS ${ident(id)}`).join(', ') +
  ` FROM read_csv(${lit(inPath)}, header = true)) TO ${lit(outPath)} (FORMAT csv, HEADER true)`;

const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const connection = await instance.connect();
await connection.run(sql);
connection.closeSync();
instance.closeSync();
