// check_wide.mjs - read a wide and a long score file of the same run with DuckDB's read_csv and
// no options, as an analyst would, and compare every value (docs/score.md "Wide format").
// Usage: node tests/duckdb/check_wide.mjs WIDE.csv LONG.csv [WIDE2.csv LONG2.csv ...]
// Checks the sniffed types (scores, z, t, percentiles and the indices DOUBLE, longstring BIGINT,
// statuses and validity VARCHAR), then joins the wide file, one row per score, with the long
// file's score rows on response_id, instrument and score: value, z, t, percentile and status
// must be identical (both NULL, or equal); the administration's fields must be the long file's;
// flags and validity must be the long file's raised flags. Prints one JSON line per pair; exit 1
// on a difference.
import { DuckDBInstance } from '@duckdb/node-api';

const q = (s) => `'${s.replaceAll("'", "''")}'`;
const id = (s) => `"${s.replaceAll('"', '""')}"`;
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const one = async (sql) => (await con.runAndReadAll(sql)).getRows()[0];

async function check(widePath, longPath) {
  const fail = [];
  for (const t of ['w', 'l', 'u']) await con.run(`DROP TABLE IF EXISTS ${t}`);
  await con.run(`CREATE TABLE w AS SELECT * FROM read_csv(${q(widePath)})`);
  await con.run(`CREATE TABLE l AS SELECT * FROM read_csv(${q(longPath)})`);
  const types = Object.fromEntries((await con.runAndReadAll('DESCRIBE w')).getRows()
    .map((r) => [r[0], r[1]]));
  const scores = Object.keys(types).filter((c) => c.endsWith('_status'))
    .map((c) => c.slice(0, -'_status'.length));
  const normed = `${scores[0]}_z` in types;
  const stats = normed ? ['z', 't', 'percentile'] : [];
  const want = {};
  for (const s of scores) {
    want[s] = 'DOUBLE';
    want[`${s}_status`] = 'VARCHAR';
    for (const k of stats) want[`${s}_${k}`] = 'DOUBLE';
  }
  Object.assign(want, { missing_fraction: 'DOUBLE', irv: 'DOUBLE', longstring: 'BIGINT',
                        validity: 'VARCHAR' });
  for (const [c, t] of Object.entries(want))
    if (types[c] !== t) fail.push(`${c} is ${types[c]}, not ${t}`);
  const longTypes = Object.fromEntries((await con.runAndReadAll('DESCRIBE l')).getRows()
    .map((r) => [r[0], r[1]]));
  if (longTypes.value !== 'DOUBLE') fail.push(`the long file's value is ${longTypes.value}`);

  // One row per administration and score, as the long format has them.
  await con.run(`CREATE TABLE u AS ${scores.map((s) =>
    `SELECT response_id, instrument, ${q(s)} AS score, ${id(s)} AS value,
            ${id(`${s}_status`)} AS status, ${['z', 't', 'percentile'].map((k) =>
              (normed ? id(`${s}_${k}`) : 'NULL::DOUBLE') + ` AS ${k}`).join(', ')}
       FROM w`).join(' UNION ALL ')}`);
  const stat = (k) => (normed ? `l.${k}` : `TRY_CAST(l.${k} AS DOUBLE)`);
  const [nLong, nWide, nMatched, nDiffer] = (await one(
    `SELECT (SELECT count(*) FROM l WHERE kind = 'score'), (SELECT count(*) FROM u),
            count(*),
            count(*) FILTER (WHERE l.value IS DISTINCT FROM u.value
                                OR ${stat('z')} IS DISTINCT FROM u.z
                                OR ${stat('t')} IS DISTINCT FROM u.t
                                OR ${stat('percentile')} IS DISTINCT FROM u.percentile
                                OR l.status IS DISTINCT FROM u.status)
       FROM l JOIN u USING (response_id, instrument, score) WHERE l.kind = 'score'`))
    .map(Number);
  if (!(nLong === nWide && nWide === nMatched))
    fail.push(`join: ${nLong} long score rows, ${nWide} wide score cells, ${nMatched} matched`);
  if (nDiffer) fail.push(`${nDiffer} score rows differ`);

  // The administration's fields: the same on every long row of it (so DISTINCT keeps one).
  const fields = ['client_id', 'administered', 'group', 'therapist', 'missing_fraction',
                  'longstring', 'irv'];
  const [nAdm, nAdmMatched, nAdmDiffer] = (await one(
    `WITH a AS (SELECT DISTINCT response_id, instrument, ${fields.map(id).join(', ')} FROM l)
     SELECT (SELECT count(*) FROM a), count(*),
            count(*) FILTER (WHERE ${fields.map((f) => `a.${id(f)} IS DISTINCT FROM w.${id(f)}`)
                                      .join(' OR ')})
       FROM a JOIN w USING (response_id, instrument)`)).map(Number);
  const nRows = Number((await one('SELECT count(*) FROM w'))[0]);
  if (!(nAdm === nRows && nAdmMatched === nRows))
    fail.push(`join: ${nAdm} administrations in the long file, ${nRows} wide rows, ${nAdmMatched} matched`);
  if (nAdmDiffer) fail.push(`${nAdmDiffer} administrations' fields differ`);

  // flags: the raised instrument flags; validity: the raised validity flags, else not_evaluable
  // or ok. The long file lists them in the same order as the wide file (line, then file order).
  const [nFlagsDiffer, nValidityDiffer] = (await one(
    `WITH f AS (
       SELECT response_id, instrument,
              string_agg(score, ';' ORDER BY rowid) FILTER (WHERE status = 'raised'
                  AND score NOT IN ('careless', 'invalid')) AS flags,
              string_agg(score, ';' ORDER BY rowid) FILTER (WHERE status = 'raised'
                  AND score IN ('careless', 'invalid')) AS raised,
              bool_or(status = 'not_evaluable' AND score IN ('careless', 'invalid')) AS unknown
         FROM l WHERE kind = 'flag' GROUP BY ALL)
     SELECT count(*) FILTER (WHERE coalesce(f.flags, '') IS DISTINCT FROM coalesce(w.flags, '')),
            count(*) FILTER (WHERE coalesce(f.raised, CASE WHEN f.unknown THEN 'not_evaluable'
                                                           ELSE 'ok' END)
                                   IS DISTINCT FROM w.validity)
       FROM w LEFT JOIN f USING (response_id, instrument)`)).map(Number);
  if (nFlagsDiffer) fail.push(`flags differ in ${nFlagsDiffer} rows`);
  if (nValidityDiffer) fail.push(`validity differs in ${nValidityDiffer} rows`);

  console.log(JSON.stringify({ file: widePath, rows: nRows, scores: nMatched, fail }));
  return fail.length;
}

const args = process.argv.slice(2);
let failed = 0;
for (let i = 0; i < args.length; i += 2) failed += await check(args[i], args[i + 1]);
process.exitCode = failed ? 1 : 0;
