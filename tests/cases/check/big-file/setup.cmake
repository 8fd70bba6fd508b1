# A 10 MB instrument file is refused by size, before it is parsed.
string(REPEAT "# padding line of a hostile, oversized instrument file ............\n" 150000 pad)
file(WRITE ${WORK}/big.yaml "id: big\n${pad}")
