# The annotated example in instruments/README.md must itself be a valid instrument.
file(READ ${SOURCE_DIR}/instruments/README.md readme)
string(FIND "${readme}" "```yaml\n" start)
string(SUBSTRING "${readme}" ${start} -1 rest)
string(LENGTH "```yaml\n" skip)
string(SUBSTRING "${rest}" ${skip} -1 rest)
string(FIND "${rest}" "```" stop)
string(SUBSTRING "${rest}" 0 ${stop} example)
file(WRITE ${WORK}/demo-scale.yaml "${example}")
