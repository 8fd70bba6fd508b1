# read_plain.R EXPORT_DIR - read every CSV file of a research export with R's read.csv and no
# options, as a researcher would, for check_plain.py. Prints the lines
# tests/duckdb/read_plain.mjs prints: `type FILE COLUMN CLASS` and `rows FILE N` per file;
# `mean SOURCE INSTRUMENT MEAN ROWS` (the mean value) and `tmean SOURCE INSTRUMENT MEAN` (the mean
# T score) for scores.csv and for the partitions read one by one and bound together (instrument
# from the folder name).
setwd(commandArgs(trailingOnly = TRUE)[1])
num <- function(x) if (is.na(x)) "NA" else format(x, digits = 17)
out <- function(...) cat(paste(..., sep = "\t"), "\n", sep = "")
for (f in sort(list.files(".", pattern = "\\.csv$", recursive = TRUE))) {
  d <- read.csv(f)
  for (c in names(d)) out("type", f, c, class(d[[c]])[1])
  out("rows", f, nrow(d))
}
s <- read.csv("scores.csv")
m <- tapply(s$value, s$instrument, mean, na.rm = TRUE) # the README query
parts <- sort(Sys.glob("scores/*/*/*.csv"))
p <- do.call(rbind, lapply(parts, function(x)
  cbind(read.csv(x), instrument = sub(".*instrument=([^/]*)/.*", "\\1", x))))
for (src in c("scores.csv", "parts")) {
  d <- if (src == "scores.csv") s else p
  for (i in sort(unique(d$instrument))) {
    g <- d[d$instrument == i, ]
    v <- if (src == "scores.csv") m[[i]] else mean(g$value, na.rm = TRUE)
    out("mean", src, i, num(v), nrow(g))
    out("tmean", src, i, num(mean(g$t, na.rm = TRUE)))
  }
}
