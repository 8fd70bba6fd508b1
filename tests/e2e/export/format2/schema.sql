-- schema.sql: DuckDB views with explicit column types over this export's CSV files.
-- Run it in the export folder (duckdb -init schema.sql, or .read schema.sql); Spark
-- and Trino take the same column names and types (see codebook.csv).
CREATE OR REPLACE VIEW scores AS SELECT * FROM read_csv('scores.csv', header = true,
    auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {'pid': 'VARCHAR', 'site': 'VARCHAR', 'group_pid': 'VARCHAR', 'instrument': 'VARCHAR', 'instrument_version': 'VARCHAR', 'wave': 'BIGINT', 'days_since_baseline': 'BIGINT', 'score': 'VARCHAR', 'value': 'DOUBLE', 't': 'DOUBLE', 'status': 'VARCHAR', 'gender': 'VARCHAR', 'age': 'VARCHAR'});
CREATE OR REPLACE VIEW flags AS SELECT * FROM read_csv('flags.csv', header = true,
    auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {'pid': 'VARCHAR', 'site': 'VARCHAR', 'group_pid': 'VARCHAR', 'instrument': 'VARCHAR', 'instrument_version': 'VARCHAR', 'wave': 'BIGINT', 'days_since_baseline': 'BIGINT', 'flag': 'VARCHAR', 'status': 'VARCHAR', 'severity': 'VARCHAR', 'gender': 'VARCHAR', 'age': 'VARCHAR'});
CREATE OR REPLACE VIEW items AS SELECT * FROM read_csv('items.csv', header = true,
    auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {'pid': 'VARCHAR', 'site': 'VARCHAR', 'group_pid': 'VARCHAR', 'instrument': 'VARCHAR', 'instrument_version': 'VARCHAR', 'wave': 'BIGINT', 'days_since_baseline': 'BIGINT', 'item': 'BIGINT', 'answer': 'BIGINT', 'keyed': 'BIGINT', 'gender': 'VARCHAR', 'age': 'VARCHAR'});
CREATE OR REPLACE VIEW scores_partitioned AS SELECT * FROM read_csv('scores/*/*/*.csv', header = true,
    auto_detect = false, delim = ',', quote = '"', escape = '"',
    hive_partitioning = true, hive_types = {'instrument': 'VARCHAR', 'site': 'VARCHAR'},
    columns = {'pid': 'VARCHAR', 'group_pid': 'VARCHAR', 'instrument_version': 'VARCHAR', 'wave': 'BIGINT', 'days_since_baseline': 'BIGINT', 'score': 'VARCHAR', 'value': 'DOUBLE', 't': 'DOUBLE', 'status': 'VARCHAR', 'gender': 'VARCHAR', 'age': 'VARCHAR'});
CREATE OR REPLACE VIEW aggregates AS SELECT * FROM read_csv('aggregates.csv', header = true,
    auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {'level': 'VARCHAR', 'site': 'VARCHAR', 'group_pid': 'VARCHAR', 'instrument': 'VARCHAR', 'instrument_version': 'VARCHAR', 'score': 'VARCHAR', 'wave': 'BIGINT', 'n': 'BIGINT', 'mean': 'DOUBLE', 'sd': 'DOUBLE', 'min': 'DOUBLE', 'max': 'DOUBLE', 'q1': 'DOUBLE', 'median': 'DOUBLE', 'q3': 'DOUBLE', 'n_flagged': 'BIGINT', 'suppressed': 'BOOLEAN', 'flagged_suppressed': 'BOOLEAN'});
CREATE OR REPLACE VIEW reliability AS SELECT * FROM read_csv('reliability.csv', header = true,
    auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {'instrument': 'VARCHAR', 'instrument_version': 'VARCHAR', 'score': 'VARCHAR', 'item': 'BIGINT', 'n': 'BIGINT', 'n_items': 'BIGINT', 'alpha': 'DOUBLE', 'alpha_lower': 'DOUBLE', 'alpha_upper': 'DOUBLE', 'item_rest_r': 'DOUBLE', 'alpha_if_deleted': 'DOUBLE', 'suppressed': 'BOOLEAN', 'alpha_pairwise': 'DOUBLE', 'n_pairwise_min': 'BIGINT'});
CREATE OR REPLACE VIEW stats AS SELECT * FROM read_csv('stats.csv', header = true,
    auto_detect = false, delim = ',', quote = '"', escape = '"',
    columns = {'kind': 'VARCHAR', 'site': 'VARCHAR', 'group_pid': 'VARCHAR', 'instrument': 'VARCHAR', 'instrument_version': 'VARCHAR', 'score': 'VARCHAR', 'wave': 'BIGINT', 'item': 'VARCHAR', 'item2': 'VARCHAR', 'value': 'VARCHAR', 'count': 'DOUBLE'});
