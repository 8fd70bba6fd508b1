# psych_check.R - compare an export's reliability.csv with R psych::alpha on the same data.
# Usage: Rscript psych_check.R EXPORT_DIR   (the export must have items.csv)
# The matrix per score: each client's first exported administration of the instrument, the
# score's items (as reliability.csv lists them), keyed answers, complete cases only; and for
# alpha_pairwise the same clients with their blanks (pairwise-complete covariances).
# Exit status 0 when every statistic agrees within 1e-6 (alpha_pairwise within 1e-9) and some
# score had blanks; prints each disagreement.
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
suppressPackageStartupMessages(library(psych))
cc <- c(pid = "character", site = "character", group_pid = "character", item = "character")
it <- read.csv(file.path(dir, "items.csv"), colClasses = cc)
rel <- read.csv(file.path(dir, "reliability.csv"), colClasses = c(item = "character"),
                na.strings = "")
first <- aggregate(wave ~ site + pid + instrument, data = it, FUN = min)
it1 <- merge(it, first, by = c("site", "pid", "instrument", "wave"))
bad <- 0
checked <- 0
blanks <- 0
compare <- function(what, ours, theirs, tol = 1e-6) {
  if (is.na(ours) != is.na(theirs) || (!is.na(ours) && abs(ours - theirs) > tol)) {
    cat(sprintf("MISMATCH %s: qscore %.12g, psych %.12g\n", what, ours, theirs))
    bad <<- bad + 1
  }
}
for (key in unique(paste(rel$instrument, rel$score, sep = "\t"))) {
  p <- strsplit(key, "\t")[[1]]
  r <- rel[rel$instrument == p[1] & rel$score == p[2], ]
  tot <- r[is.na(r$item), ]
  items <- r$item[!is.na(r$item)]
  d <- it1[it1$instrument == p[1] & it1$item %in% items, c("site", "pid", "item", "keyed")]
  w <- reshape(d, idvar = c("site", "pid"), timevar = "item", direction = "wide")
  m <- as.matrix(w[, paste0("keyed.", items)])
  mp <- m
  m <- m[complete.cases(m), , drop = FALSE]
  # TRUE/FALSE since export format 3 (R's read.csv left format 2's lowercase true as text)
  if (tolower(as.character(tot$suppressed)) == "true") next
  # alpha_pairwise: psych::alpha's default (use = "pairwise") on every first administration,
  # blanks included; n_pairwise_min: the smallest count of clients answering both of a pair.
  ap <- suppressWarnings(psych::alpha(as.data.frame(mp), check.keys = FALSE, warnings = FALSE))
  answered <- !is.na(mp)
  compare(paste(key, "n_pairwise_min"), tot$n_pairwise_min, min(crossprod(answered)))
  compare(paste(key, "alpha_pairwise"), tot$alpha_pairwise, ap$total$raw_alpha, 1e-9)
  if (sum(!answered) > 0) blanks <- blanks + 1
  compare(paste(key, "n"), tot$n, nrow(m))
  a <- suppressWarnings(psych::alpha(as.data.frame(m), check.keys = FALSE, warnings = FALSE))
  compare(paste(key, "alpha"), tot$alpha, a$total$raw_alpha)
  compare(paste(key, "alpha_lower"), tot$alpha_lower, a$feldt$lower.ci[[1]])
  compare(paste(key, "alpha_upper"), tot$alpha_upper, a$feldt$upper.ci[[1]])
  for (j in seq_along(items)) {
    ri <- r[!is.na(r$item) & r$item == items[j], ]
    compare(paste(key, items[j], "item_rest_r"), ri$item_rest_r, a$item.stats$r.drop[j])
    compare(paste(key, items[j], "alpha_if_deleted"), ri$alpha_if_deleted,
            a$alpha.drop$raw_alpha[j])
  }
  checked <- checked + 1
}
cat(sprintf("psych::alpha: %d scores compared (%d with blanks), %d mismatches\n", checked,
            blanks, bad))
quit(status = if (bad == 0 && checked > 0 && blanks > 0) 0 else 1)
