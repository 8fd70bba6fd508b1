// read_plain.mjs - read every CSV file of a research export with DuckDB's read_csv and no
// options, as a researcher would, for tests/e2e/export/check_plain.py.
// Usage: node tests/duckdb/read_plain.mjs EXPORT_DIR
// Runs in EXPORT_DIR and prints tab-separated lines:
//   type FILE COLUMN TYPE    the columns read_csv('FILE') gives, in order (a partition's path
//                            makes DuckDB add its Hive columns, instrument and site, at the end)
//   rows FILE N              the rows SELECT * of it returns (a header taken for data is one more)
//   type GLOB COLUMN TYPE    the same for the Hive-partitioned copy read at once, as
//                            read_csv('scores/*/*/*.csv'), with hive_partitioning = true, and
//                            with hive_partitioning = false (no instrument and site columns)
//   total no-hive MEAN ROWS  the mean value and rows of the last
//   mean SOURCE INSTRUMENT MEAN ROWS  the README's query: mean value and rows per instrument, of
//                            the partitions (both ways) and of scores.csv
//   tmean SOURCE INSTRUMENT MEAN      the mean T score (NaN is no T score: left out); NA: none
//   error LABEL MESSAGE      a query DuckDB refused
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const dir = process.argv[2];
process.chdir(dir);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const num = (x) => (x === null || x === undefined || Number.isNaN(Number(x)) ? 'NA' : String(Number(x)));
const lit = (s) => `'${s.replaceAll("'", "''")}'`;

function csvFiles(d) {
  const out = [];
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) out.push(...csvFiles(p));
    else if (e.name.endsWith('.csv')) out.push(relative('.', p));
  }
  return out.sort();
}

// A query DuckDB refuses is reported as `error LABEL MESSAGE` (check_plain.py fails on it).
async function rows(label, sql) {
  try {
    return (await con.runAndReadAll(sql)).getRows();
  } catch (e) {
    console.log(['error', label, e.message.split('\n')[0]].join('\t'));
    return [];
  }
}

async function types(label, from) {
  for (const [name, type] of await rows(label, `DESCRIBE SELECT * FROM ${from}`))
    console.log(['type', label, name, type].join('\t'));
}

async function means(source, from) {
  for (const [inst, v, n] of await rows(source,
    `SELECT instrument, avg(value), count(*) FROM ${from} GROUP BY ALL ORDER BY instrument`))
    console.log(['mean', source, inst, num(v), num(n)].join('\t'));
  // DuckDB reads NaN as a number: a mean T score leaves it out
  for (const [inst, t] of await rows(source,
    `SELECT instrument, avg(t) FILTER (WHERE NOT isnan(t)) FROM ${from} GROUP BY ALL`))
    console.log(['tmean', source, inst, num(t)].join('\t'));
}

for (const f of csvFiles('.')) {
  await types(f, `read_csv(${lit(f)})`);
  const all = await rows(f, `SELECT * FROM read_csv(${lit(f)})`);
  console.log(['rows', f, all.length].join('\t'));
}
await types('scores/*/*/*.csv', `read_csv('scores/*/*/*.csv')`);
await types('scores/*/*/*.csv hive', `read_csv('scores/*/*/*.csv', hive_partitioning = true)`);
await types('scores/*/*/*.csv no hive', `read_csv('scores/*/*/*.csv', hive_partitioning = false)`);
for (const [v, n] of await rows('no hive',
  `SELECT avg(value), count(*) FROM read_csv('scores/*/*/*.csv', hive_partitioning = false)`))
  console.log(['total', 'no hive', num(v), num(n)].join('\t'));
// The README's query, on the partitions (the Hive columns found from the paths, and asked for),
// and on scores.csv.
await means('parts', `read_csv('scores/*/*/*.csv')`);
await means('parts hive', `read_csv('scores/*/*/*.csv', hive_partitioning = true)`);
await means('scores.csv', `read_csv('scores.csv')`);
