// run_sql.mjs - run SQL statements (stdin, separated by ';') with DuckDB in a research export's
// folder, after its schema.sql (which only creates views), for tests/e2e/export/readme_queries.py.
// Usage: node tests/duckdb/run_sql.mjs EXPORT_DIR < statements.sql
// Prints, per statement that returns rows, each row as `N<TAB>value<TAB>value...` (N counts the
// statements from 1; NULL and NaN as NA), or `N<TAB>error<TAB>message` when DuckDB refuses it.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const sql = readFileSync(0, 'utf8');
process.chdir(process.argv[2]);
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(readFileSync('schema.sql', 'utf8'));
const show = (x) => (x === null || (typeof x === 'number' && Number.isNaN(x)) ? 'NA' : String(x));
let n = 0;
for (const stmt of sql.split(';')) {
  if (!stmt.replace(/--.*$/gm, '').trim())
    continue;
  n++;
  try {
    for (const row of (await con.runAndReadAll(stmt)).getRows())
      console.log([n, ...row.map(show)].join('\t'));
  } catch (e) {
    console.log([n, 'error', e.message.split('\n')[0]].join('\t'));
  }
}
