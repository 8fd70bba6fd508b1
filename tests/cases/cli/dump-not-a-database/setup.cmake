# A store path that holds a CSV file, not a database: an error, never "schema version 0".
file(WRITE ${WORK}/clinic.yaml
    "store: qscore.db\noutput: out\nsources:\n  - id: s\n    files: \"drop/*.csv\"\n    instrument: dsi-r\n")
file(WRITE ${WORK}/qscore.db "client,date\nC1,2026-01-05\n")
