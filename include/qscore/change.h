/* qscore/change.h - change over time in one score of one client: reliable change index and
 * clinically significant change (Jacobson & Truax 1991). */
#ifndef QSCORE_CHANGE_H
#define QSCORE_CHANGE_H

#include <stddef.h>

#include "qscore/instrument.h"

/*
 * Terms (src/change.c has the design and the citation):
 *   S_diff = sqrt(2) * SE,  SE = SD * sqrt(1 - r),  RCI = (x2 - x1) / S_diff
 * SD is the score's SD in the chosen norm population, which must be of kind general. r is the
 * score's test-retest reliability when the instrument gives one, else its alpha (internal
 * consistency). Jacobson & Truax used test-retest reliability; many later studies use alpha
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
    const char *reason;   /* static text saying why not computable; NULL when computable */
} qs_rci;

/** Change in one score over a client's administrations. */
typedef struct qs_change {
    size_t n;                     /* administrations with a value (not NaN) */
    size_t baseline;              /* index of the first value, or QS_CHANGE_NONE */
    double baseline_value;        /* NaN when none */
    size_t previous;              /* index of the last value before the latest, or QS_CHANGE_NONE */
    double previous_value;        /* NaN when none */
    size_t latest;                /* index of the last value, or QS_CHANGE_NONE */
    double latest_value;          /* NaN when none */
    double sd;                    /* SD of the chosen general norm for the score, or NaN */
    double reliability;           /* r used for SE (retest, else alpha), or NaN */
    const char *reliability_kind; /* "retest" or "alpha" (static), or NULL when none */
    qs_rci from_baseline;         /* baseline -> latest */
    qs_rci from_previous;         /* previous -> latest */
    /* Clinically significant change, baseline -> latest. */
    double cutoff;     /* c = (SD_clin * M_func + SD_func * M_clin) / (SD_clin + SD_func), or NaN */
    int clinical_norm; /* index into inst->norms of the clinical norm used, or -1 */
    int functional_norm; /* index of the functional norm used, or -1 */
    qs_clinical clinical;
    const char *clinical_reason; /* static text when QS_CLIN_NOT_COMPUTABLE, else NULL */
} qs_change;

/**
 * Compute the change in score `score` (index into inst->scores) across one client's
 * administrations.
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

#endif
