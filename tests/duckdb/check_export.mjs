// check_export.mjs - read an export's Hive-partitioned scores with DuckDB, as a researcher would.
// Usage: node tests/duckdb/check_export.mjs EXPORT_DIR INSTRUMENT SCORE
// Prints one JSON line: rows, sites (count and names, as DuckDB decodes the folder names), and the
// mean of SCORE of INSTRUMENT.
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, instrument, score] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const glob = `${dir}/scores/*/*/*.csv`.replaceAll("'", "''");
const reader = await con.runAndReadAll(
  `SELECT count(*)::BIGINT AS rows, count(DISTINCT site)::BIGINT AS sites,
          avg(value) FILTER (WHERE instrument = $1 AND score = $2) AS mean,
          string_agg(DISTINCT site, '|' ORDER BY site) AS names
     FROM read_csv('${glob}', hive_partitioning = true, header = true)`,
  [instrument, score]);
const [rows, sites, mean, names] = reader.getRows()[0];
console.log(JSON.stringify({ rows: Number(rows), sites: Number(sites), mean, names }));
