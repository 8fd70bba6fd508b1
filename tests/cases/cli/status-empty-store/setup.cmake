# A store path that holds an empty file (a full disk, a copy that failed): refused with what to
# do, never taken for a new, empty store.
file(WRITE ${WORK}/clinic.yaml
    "store: qscore.db\noutput: out\nsources:\n  - id: s\n    files: \"drop/*.csv\"\n    instrument: dsi-r\n")
file(WRITE ${WORK}/qscore.db "")
