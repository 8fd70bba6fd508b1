#!/usr/bin/env Rscript
# peer_psych.R - R psych contender for `make bench` (bench/README.md).
#
#   Rscript peer_psych.R scoreItems|scoreFast KEY.txt IN.csv OUT.csv
#
# Reads the export with data.table::fread, scores the DSI-R with psych (reversal as
# min + max - x with min/max from the key file, never from the data; subscale and total means
# over the answered items, no imputation) and writes ResponseId, client_id, ER, IP, EC, FO,
# total with data.table::fwrite.
#   scoreItems: psych::scoreItems(keys, items, impute = "none", min, max) - also computes
#               alpha, item-scale correlations etc., as a user of scoreItems gets them.
#   scoreFast:  psych::scoreFast(keys, items, impute = "none", min, max) - scores only.
suppressPackageStartupMessages({
  library(data.table)
  library(psych)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 4 || !(args[1] %in% c("scoreItems", "scoreFast"))) {
  cat("usage: peer_psych.R scoreItems|scoreFast KEY.txt IN.csv OUT.csv\n", file = stderr())
  quit(status = 2)
}
mode <- args[1]

# The key, as written by make_key.py.
key_lines <- readLines(args[2])
key_lines <- key_lines[!grepl("^#", key_lines) & nzchar(key_lines)]
fields <- strsplit(key_lines, " ", fixed = TRUE)
get1 <- function(name) Filter(function(f) f[1] == name, fields)
kmin <- as.numeric(get1("min")[[1]][2])
kmax <- as.numeric(get1("max")[[1]][2])
reverse <- as.integer(get1("reverse")[[1]][-1])
keys <- list()
for (f in get1("score")) {
  ids <- as.integer(f[-(1:2)])
  keys[[f[2]]] <- ifelse(ids %in% reverse, paste0("-DSIR_", ids), paste0("DSIR_", ids))
}

dt <- fread(args[3], header = TRUE, na.strings = "")
item_cols <- paste0("DSIR_", sort(unique(unlist(lapply(get1("score"), function(f) as.integer(f[-(1:2)]))))))
items <- as.matrix(dt[, ..item_cols])

if (mode == "scoreItems") {
  sc <- scoreItems(keys, items, impute = "none", min = kmin, max = kmax)$scores
} else {
  sc <- scoreFast(keys, items, impute = "none", min = kmin, max = kmax)
}
# scoreFast labels its columns "ER-A" (A for average): name them by the key.
sc <- as.data.table(sc)
setnames(sc, names(keys))
out <- cbind(dt[, .(ResponseId, client_id)], sc)
fwrite(out, args[4])
