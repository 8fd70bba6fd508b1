# A reports folder path longer than qscore keeps: refused, never cut (a cut path would write
# the workbooks somewhere else).
file(WRITE ${WORK}/clinic.yaml
    "store: qscore.db\noutput: out\nsources:\n  - id: s\n    files: \"drop/*.csv\"\n    instrument: dsi-r\n")
