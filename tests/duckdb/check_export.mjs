// check_export.mjs - read an export's Hive-partitioned scores with DuckDB, as a researcher would:
// read_csv with no option but hive_partitioning (no union_by_name, no header, no types; export
// format 3 writes every part file so that DuckDB finds its header and types: docs/export.md).
// Usage: node tests/duckdb/check_export.mjs EXPORT_DIR INSTRUMENT SCORE
// Prints one JSON line: rows, sites (count and names, as DuckDB decodes the folder names), the
// mean of SCORE of INSTRUMENT, the mean value per instrument (with hive_partitioning) and the
// row count and overall mean read without hive_partitioning; then, with the export's schema.sql
// run in its folder, the row count of every view, the per-instrument means of
// scores_partitioned, and the non-NULL counts of the views' t (scores_partitioned) and n
// (aggregates): the views read NaN as NULL.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, instrument, score] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const glob = `${dir}/scores/*/*/*.csv`.replaceAll("'", "''");
const reader = await con.runAndReadAll(
  `SELECT count(*)::BIGINT AS rows, count(DISTINCT site)::BIGINT AS sites,
          avg(value) FILTER (WHERE instrument = $1 AND score = $2) AS mean,
          string_agg(DISTINCT site, '|' ORDER BY site) AS names
     FROM read_csv('${glob}', hive_partitioning = true)`,
  [instrument, score]);
const [rows, sites, mean, names] = reader.getRows()[0];
const means = {};
for (const [inst, m] of (await con.runAndReadAll(
  `SELECT instrument, avg(value) FROM read_csv('${glob}', hive_partitioning = true) GROUP BY ALL`))
  .getRows())
  means[inst] = m;
const [plainRows, plainMean] = (await con.runAndReadAll(
  `SELECT count(*)::BIGINT, avg(value) FROM read_csv('${glob}')`)).getRows()[0];
process.chdir(dir);
await con.run(readFileSync('schema.sql', 'utf8'));
const views = {};
for (const [name] of (await con.runAndReadAll(
  `SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1`)).getRows())
  views[name] = Number((await con.runAndReadAll(`SELECT count(*) FROM "${name}"`)).getRows()[0][0]);
const schemaMeans = {};
for (const [inst, m] of (await con.runAndReadAll(
  `SELECT instrument, avg(value) FROM scores_partitioned GROUP BY ALL`)).getRows())
  schemaMeans[inst] = m;
const [tCount] = (await con.runAndReadAll(`SELECT count(t) FROM scores_partitioned`)).getRows()[0];
const [nCount, nType] = (await con.runAndReadAll(
  `SELECT count(n), any_value(typeof(n)) FROM aggregates`)).getRows()[0];
console.log(JSON.stringify({ rows: Number(rows), sites: Number(sites), mean, names, means,
                             plain_rows: Number(plainRows), plain_mean: plainMean, views,
                             schema_means: schemaMeans, t_count: Number(tCount),
                             n_count: Number(nCount), n_type: nType }));
