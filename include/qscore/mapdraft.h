/* qscore/mapdraft.h - a commented draft mapping file from an export: what `qscore map` writes. */
#ifndef QSCORE_MAPDRAFT_H
#define QSCORE_MAPDRAFT_H

#include <stddef.h>

#include "qscore/diag.h"
#include "qscore/error.h"
#include "qscore/instrument.h"
#include "qscore/profile.h"

/*
 * A draft is built from one export, read once with the same reader and profile detection as
 * `qscore score`: the item columns (the one header pattern that names exactly the instrument's
 * items, in order), the id, client, therapist, group and date columns, every distinct answer of
 * the item columns with its count, and the date form. It never guesses an answer's value: a
 * text that is neither a scale number nor an instrument label is written as `"text": "?"`,
 * which qs_mapping_load refuses until someone fills it in (docs/score.md "Drafting a mapping").
 */
typedef struct qs_mapdraft {
    char *text;             /* the draft YAML, NUL-terminated (owned) */
    size_t len;             /* its length in bytes */
    qs_diag_list undecided; /* what the draft could not decide (each also a comment in it) */
} qs_mapdraft;

/**
 * Build a draft mapping of `inst` for the export `path` ("-" is stdin), named `display` in the
 * draft and in messages, read as `profile` (QS_PROFILE_AUTO detects it). On QS_OK *out holds
 * the text and the undecided list (empty for a complete draft); release it with
 * qs_mapdraft_release. Otherwise (QS_EIO, QS_EINVALID for an export without a header row or
 * whose second header row is not the forced profile's, QS_ENOMEM) `diag` says why and *out is
 * empty. `inst` is borrowed.
 */
qs_error qs_mapdraft_build(qs_mapdraft *out, const char *path, const char *display,
                           const qs_instrument *inst, qs_profile profile, qs_diag *diag);

/** Free the text and the list; NULL-safe, and the struct may be built again. */
void qs_mapdraft_release(qs_mapdraft *d);

#endif
