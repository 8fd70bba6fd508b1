/* qscore/change.h - change over time in one score of one client: reliable change index and
 * clinically significant change (Jacobson & Truax 1991). */
#ifndef QSCORE_CHANGE_H
#define QSCORE_CHANGE_H

#include <stddef.h>

#include "qscore/instrument.h"
#include "qscore/norms.h"

/*
 * Terms (src/change.c has the design and the citation):
 *   S_diff = sqrt(2) * SE,  SE = SD * sqrt(1 - r),  RCI = (x2 - x1) / S_diff
 * SD and r come from the score's norm in force (qscore/norms.h), which must be a published
 * population of kind general or a local snapshot. For a published norm, r is the score's
 * test-retest reliability when the instrument gives one, else its alpha (internal consistency);
 * for a local snapshot, r is Cronbach's alpha of the snapshot sample from pairwise-complete item
 * covariances. Jacobson & Truax used test-retest reliability; many later studies use alpha
 * because it is published more often. The r used is reported (qs_change.reliability_kind), so
 * a report can say which one it was. A change is reliable when |RCI| > 1.96 (strictly).
 */

/* qs_direction (which way is better on a score) is declared in qscore/instrument.h: it is the
 * score's `better:` key; qs_direction_name() is defined in change.c. */

/** The verdict on one comparison of two administrations. */
typedef enum qs_rci_class {
    QS_RCI_NOT_COMPUTABLE = 0, /* see qs_rci.reason */
    QS_RCI_NO_CHANGE,          /* |RCI| <= 1.96 */
    QS_RCI_IMPROVED,           /* reliable, in the better direction */
    QS_RCI_DETERIORATED,       /* reliable, in the worse direction */
    QS_RCI_INCREASED,          /* reliable increase; direction unknown */
    QS_RCI_DECREASED           /* reliable decrease; direction unknown */
} qs_rci_class;

/**
 * Stable lowercase name of `c`, for CSV/JSON: "not_computable", "no_reliable_change",
 * "reliable_improvement", "reliable_deterioration", "reliable_increase", "reliable_decrease".
 * Returns a static string; "unknown" for a value outside the enum.
 */
const char *qs_rci_class_name(qs_rci_class c);

/** Clinically significant change from baseline to latest (Jacobson & Truax criterion c). */
typedef enum qs_clinical {
    QS_CLIN_NOT_COMPUTABLE = 0, /* see qs_change.clinical_reason */
    QS_CLIN_RECOVERED,          /* reliable improvement, and crossed c into the functional side */
    QS_CLIN_IMPROVED,           /* reliable improvement without that crossing */
    QS_CLIN_UNCHANGED,          /* no reliable change */
    QS_CLIN_DETERIORATED        /* reliable deterioration */
} qs_clinical;

/**
 * Stable lowercase name of `c`: "not_computable", "recovered", "improved", "unchanged",
 * "deteriorated". Returns a static string; "unknown" for a value outside the enum.
 */
const char *qs_clinical_name(qs_clinical c);

/* |RCI| above this is a reliable change (p < .05, two-sided). */
#define QS_RCI_CRITICAL 1.96

/* An index that points at no administration. */
#define QS_CHANGE_NONE ((size_t)-1)

/** One comparison of two administrations (x1 earlier, x2 later). */
typedef struct qs_rci {
    double change;        /* x2 - x1; NaN without two administrations */
    double s_diff;        /* standard error of the difference; NaN when the norm or reliability
                             is missing (given even with fewer than two administrations) */
    double rci;           /* (x2 - x1) / s_diff; NaN when not computable */
    qs_rci_class verdict; /* QS_RCI_NOT_COMPUTABLE exactly when rci is NaN */
    const char *reason;   /* why not computable: static text, or the norm in force's own reason
                             (borrowed from it); NULL when computable */
} qs_rci;

/** Change in one score over a client's administrations. */
typedef struct qs_change {
    size_t n;              /* administrations with a value (not NaN) */
    size_t baseline;       /* index of the first value, or QS_CHANGE_NONE */
    double baseline_value; /* NaN when none */
    size_t previous;       /* index of the last value before the latest, or QS_CHANGE_NONE */
    double previous_value; /* NaN when none */
    size_t latest;         /* index of the last value, or QS_CHANGE_NONE */
    double latest_value;   /* NaN when none */
    /* What both comparisons were computed with (the same S_diff), and where each came from.
     * Sources are borrowed from the norm in force (the instrument, or the store's snapshot). */
    double sd;                      /* SD of the norm in force for the score, or NaN */
    double reliability;             /* r used for SE, or NaN */
    const char *reliability_kind;   /* "retest", "alpha" or "alpha_pairwise" (static), or NULL */
    qs_nif_kind norm_kind;          /* kind of the norm in force (NONE when there is none) */
    const char *norm_id;            /* published: the population's id; else NULL */
    long snapshot;                  /* local: the snapshot id; else 0 */
    const char *sd_source;          /* where sd came from, or NULL */
    const char *reliability_source; /* where reliability came from, or NULL */
    size_t reliability_min_pair_n;  /* local: smallest pairwise n behind alpha; else 0 */
    qs_rci from_baseline;           /* baseline -> latest */
    qs_rci from_previous;           /* previous -> latest */
    /* Clinically significant change, baseline -> latest. */
    double cutoff;     /* c = (SD_clin * M_func + SD_func * M_clin) / (SD_clin + SD_func), or NaN */
    int clinical_norm; /* qs_change_compute: index into inst->norms of the clinical norm used,
                          or -1 (always -1 from qs_change_compute_nif) */
    int functional_norm;           /* likewise, the functional norm used */
    const char *clinical_source;   /* where the clinical mean and SD came from, or NULL */
    const char *functional_source; /* where the functional mean and SD came from, or NULL */
    qs_clinical clinical;
    const char *clinical_reason; /* why QS_CLIN_NOT_COMPUTABLE (as qs_rci.reason), else NULL */
} qs_change;

/**
 * Compute the change in score `score` (index into inst->scores) across one client's
 * administrations, against the instrument's published norms (the compatibility path: the same
 * as qs_change_compute_nif with qs_norm_in_force_published(), and the first clinical and
 * functional norms, with this function's reason texts).
 *
 * @param out     filled completely on every call (caller-allocated; nothing to release).
 * @param inst    the instrument; borrowed, only read.
 * @param score   index into inst->scores. Out of range: everything is not computable.
 * @param norm    index into inst->norms of the chosen norm population, or -1 for none. It must
 *                be of kind general and give an SD for the score, or the RCI is not computable.
 *                Out of range counts as none chosen.
 * @param better  which direction is better on this score.
 * @param values  the score's values in chronological order; NaN marks an administration
 *                whose score was insufficient (any non-finite value is treated the same). May
 *                be NULL when `n` is 0.
 * @param n       number of values.
 *
 * The clinical and functional norms are the first norm of each kind that gives both a mean
 * and an SD for the score, whatever `norm` is. Reason strings are static and stable.
 * No allocation, no I/O, O(n + number of norms).
 */
void qs_change_compute(qs_change *out, const qs_instrument *inst, size_t score, int norm,
                       qs_direction better, const double *values, size_t n);

/**
 * Compute the change in one score across one client's administrations against norms in force.
 *
 * @param out         filled completely on every call (caller-allocated; nothing to release).
 *                    Its sources and a reason may point into the norms given: use it while
 *                    they live.
 * @param norm        the norm in force for reliable change: SD and r. It must be of kind
 *                    QS_NIF_PUBLISHED_GENERAL or QS_NIF_LOCAL with an SD above 0 and r in
 *                    [0, 1); else the RCI is not computable with the reason (kind NONE: the
 *                    norm's own reason when it has one, e.g. "local norm needs 50 clients, has
 *                    23"). NULL counts as none.
 * @param clinical    the dysfunctional population for criterion c: a published clinical norm,
 *                    or (the caller's choice) a local snapshot of the clinic's intake; NULL for
 *                    none. Needs a mean and an SD above 0.
 * @param functional  the functional population for criterion c: a published functional norm
 *                    with a mean and an SD above 0, or NULL. Without one the clinical status is
 *                    not computable: "no functional-population norm".
 * @param better, values, n  as for qs_change_compute.
 *
 * No allocation, no I/O, O(n).
 */
void qs_change_compute_nif(qs_change *out, const qs_norm_in_force *norm,
                           const qs_norm_in_force *clinical, const qs_norm_in_force *functional,
                           qs_direction better, const double *values, size_t n);

#endif
