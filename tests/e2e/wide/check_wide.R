# check_wide.R - read a wide and a long score file of the same run with read.csv and no options,
# as an analyst would, and compare every value (docs/score.md "Wide format").
# Usage: Rscript check_wide.R WIDE.csv LONG.csv [WIDE2.csv LONG2.csv ...]
# Checks the column classes (scores, z, t, percentiles and the indices double; longstring
# integer; statuses and validity character), then joins the wide file, one row per score, with
# the long file's score rows on response_id, instrument and score: value, z, t, percentile and
# status must be identical (both missing, or equal doubles); the administration's fields must be
# the long file's; flags and validity must be the long file's raised flags. Prints "ok N" per
# pair.
args <- commandArgs(trailingOnly = TRUE)
fail <- character(0)
bad <- function(...) fail <<- c(fail, sprintf(...))
same <- function(a, b) (is.na(a) & is.na(b)) | (!is.na(a) & !is.na(b) & a == b)
text <- function(x) ifelse(is.na(x), "", as.character(x)) # "" and NA: both "empty"

check <- function(wide, long) {
    n0 <- length(fail)
    w <- read.csv(wide)
    l <- read.csv(long)
    scores <- sub("_status$", "", grep("_status$", names(w), value = TRUE))
    normed <- paste0(scores[1], "_z") %in% names(w)
    stats <- if (normed) c("z", "t", "percentile") else character(0)
    doubles <- c(scores, unlist(lapply(stats, function(k) paste0(scores, "_", k))),
                 "missing_fraction", "irv")
    for (c in doubles) if (!is.double(w[[c]])) bad("%s is %s, not double", c, class(w[[c]]))
    if (!is.integer(w$longstring)) bad("longstring is %s, not integer", class(w$longstring))
    for (c in c(paste0(scores, "_status"), "validity"))
        if (!is.character(w[[c]])) bad("%s is %s, not character", c, class(w[[c]]))

    # One row per administration and score, as the long format has them.
    u <- do.call(rbind, lapply(scores, function(s) {
        d <- data.frame(response_id = w$response_id, instrument = w$instrument, score = s,
                        value = w[[s]], status = w[[paste0(s, "_status")]])
        for (k in c("z", "t", "percentile"))
            d[[k]] <- if (normed) w[[paste0(s, "_", k)]] else NA_real_
        d
    }))
    ls <- l[l$kind == "score", ]
    m <- merge(ls, u, by = c("response_id", "instrument", "score"), suffixes = c(".long", ".wide"))
    if (nrow(m) != nrow(ls) || nrow(m) != nrow(u))
        bad("join: %d long score rows, %d wide score cells, %d matched", nrow(ls), nrow(u), nrow(m))
    for (k in c("value", "z", "t", "percentile", "status")) {
        a <- m[[paste0(k, ".long")]]
        b <- m[[paste0(k, ".wide")]]
        d <- !same(a, b)
        if (any(d)) bad("%s differs in %d rows, e.g. %s %s: long %s, wide %s", k, sum(d),
                        m$response_id[d][1], m$score[d][1], a[d][1], b[d][1])
    }

    # The administration's fields: the same on every long row of it.
    first <- l[!duplicated(l[c("response_id", "instrument")]), ]
    a <- merge(first, w, by = c("response_id", "instrument"), suffixes = c(".long", ".wide"))
    if (nrow(a) != nrow(w) || nrow(a) != nrow(first))
        bad("join: %d administrations in the long file, %d wide rows, %d matched",
            nrow(first), nrow(w), nrow(a))
    for (k in c("client_id", "administered", "group", "therapist")) {
        d <- text(a[[paste0(k, ".long")]]) != text(a[[paste0(k, ".wide")]])
        if (any(d)) bad("%s differs in %d rows, e.g. %s", k, sum(d), a$response_id[d][1])
    }
    for (k in c("missing_fraction", "longstring", "irv")) {
        d <- !same(a[[paste0(k, ".long")]], a[[paste0(k, ".wide")]])
        if (any(d)) bad("%s differs in %d rows, e.g. %s", k, sum(d), a$response_id[d][1])
    }

    # flags: the raised instrument flags in file order; validity: the raised validity flags.
    key <- paste(w$response_id, w$instrument)
    fl <- l[l$kind == "flag", ]
    fkey <- paste(fl$response_id, fl$instrument)
    vid <- fl$score %in% c("careless", "invalid")
    pick <- fl$status == "raised" & !vid
    want <- tapply(fl$score[pick], fkey[pick], paste, collapse = ";")
    want_flags <- ifelse(key %in% names(want), want[key], "")
    d <- text(w$flags) != want_flags
    if (any(d)) bad("flags differ in %d rows, e.g. %s: %s, long %s", sum(d), w$response_id[d][1],
                    text(w$flags)[d][1], want_flags[d][1])
    pick <- fl$status == "raised" & vid
    raised <- tapply(fl$score[pick], fkey[pick], paste, collapse = ";")
    unknown <- unique(fkey[fl$status == "not_evaluable" & vid])
    want_v <- ifelse(key %in% names(raised), raised[key],
                     ifelse(key %in% unknown, "not_evaluable", "ok"))
    d <- w$validity != want_v
    if (any(d)) bad("validity differs in %d rows, e.g. %s: %s, long %s", sum(d),
                    w$response_id[d][1], w$validity[d][1], want_v[d][1])
    if (length(fail) > n0) # name the file in its messages
        fail[(n0 + 1):length(fail)] <<- paste0(wide, ": ", fail[(n0 + 1):length(fail)])
    else
        cat(sprintf("%s: ok %d administrations, %d scores\n", wide, nrow(w), nrow(m)))
}

for (i in seq(1, length(args), by = 2)) check(args[i], args[i + 1])

if (length(fail)) {
    cat(fail, sep = "\n")
    quit(status = 1)
}
