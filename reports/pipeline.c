/* pipeline.c - read and score on the calling thread, format and write on a second one. */
#include "qscore/pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "qscore/quarantine.h"

/*
 * Design. Formatting and writing the long output costs about as much as reading and scoring
 * (docs: bench/RESULTS.md), so the two halves run on two threads joined by a ring of NBATCH
 * batches. A batch holds up to BATCH administrations: their text fields copied into one
 * string buffer and their results copied into flat arrays, so the writer needs nothing from the
 * reader's buffers. The producer hands over whole batches (one lock round trip per BATCH rows);
 * the writer takes them in order, so the output bytes are exactly those of the one-thread path,
 * which runs the same code without the thread. Rejected rows go to the quarantine on the
 * producer's side, in input order. Memory is bounded by NBATCH * BATCH administrations.
 */

#define BATCH  512
#define NBATCH 4
#define NSTR   5 /* response_id, client_id, group, therapist, administered */

struct item {
    size_t off[NSTR]; /* offsets into strings, or SIZE_MAX for NULL */
    unsigned long line;
};

struct batch {
    size_t n;
    struct item items[BATCH];
    char *strings;
    size_t slen, scap;
    qs_score_value *scores;
    qs_tri *flags;
    qs_validity_value *validity;
    double *values;
};

struct pipe {
    const qs_instrument *inst;
    qs_out *out;
    const char *source;
    struct batch batches[NBATCH];
    /* shared state, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned long produced, consumed; /* batches handed over / written */
    int done;                         /* producer finished */
    int failed;                       /* writer could not write */
    int write_errno;
};

static int batch_init(struct batch *b, const qs_instrument *inst)
{
    size_t ns = inst->nscores ? inst->nscores : 1, nf = inst->nflags ? inst->nflags : 1;
    memset(b, 0, sizeof(*b));
    b->scores = malloc(BATCH * ns * sizeof(*b->scores));
    b->flags = malloc(BATCH * nf * sizeof(*b->flags));
    b->validity = malloc(BATCH * sizeof(*b->validity));
    b->values = malloc(BATCH * ns * QS_FIELD_COUNT * sizeof(*b->values));
    b->scap = 64 * BATCH;
    b->strings = malloc(b->scap);
    return b->scores && b->flags && b->validity && b->values && b->strings;
}

static void batch_release(struct batch *b)
{
    free(b->scores);
    free(b->flags);
    free(b->validity);
    free(b->values);
    free(b->strings);
}

static int batch_string(struct batch *b, const char *s, size_t *off)
{
    if (!s) {
        *off = SIZE_MAX;
        return 1;
    }
    size_t n = strlen(s) + 1;
    char *p = qs_grow__array(b->strings, &b->scap, b->slen + n, 1, 64 * BATCH);
    if (!p)
        return 0;
    b->strings = p;
    memcpy(b->strings + b->slen, s, n);
    *off = b->slen;
    b->slen += n;
    return 1;
}

/* Copy one scored administration into the batch. */
static int batch_add(struct batch *b, const qs_instrument *inst, const qs_admin *adm,
                     const qs_result *res)
{
    struct item *it = &b->items[b->n];
    const char *strs[NSTR] = {adm->response_id, adm->client_id, adm->group, adm->therapist,
                              adm->administered};
    for (int k = 0; k < NSTR; k++)
        if (!batch_string(b, strs[k], &it->off[k]))
            return 0;
    it->line = adm->line;
    size_t ns = inst->nscores, nf = inst->nflags;
    memcpy(b->scores + b->n * ns, res->scores, ns * sizeof(*b->scores));
    memcpy(b->flags + b->n * nf, res->flags, nf * sizeof(*b->flags));
    b->validity[b->n] = res->validity;
    memcpy(b->values + b->n * ns * QS_FIELD_COUNT, res->values,
           ns * QS_FIELD_COUNT * sizeof(*b->values));
    b->n++;
    return 1;
}

/* Write every administration of a batch; returns 0 on a write error. */
static int batch_write(struct pipe *p, const struct batch *b)
{
    const qs_instrument *inst = p->inst;
    size_t ns = inst->nscores, nf = inst->nflags;
    for (size_t i = 0; i < b->n; i++) {
        const struct item *it = &b->items[i];
        const char *strs[NSTR];
        for (int k = 0; k < NSTR; k++)
            strs[k] = it->off[k] == SIZE_MAX ? NULL : b->strings + it->off[k];
        qs_admin adm = {strs[0], strs[1],  strs[2], strs[3], strs[4], NULL,
                        NULL,    it->line, 0,       0,       NULL};
        qs_result res = {(qs_score_value *)(b->scores + i * ns), (qs_tri *)(b->flags + i * nf),
                         b->validity[i], b->values + i * ns * QS_FIELD_COUNT};
        if (qs_out_write(p->out, &adm, &res, p->source))
            return 0;
    }
    return 1;
}

static void *writer_main(void *arg)
{
    struct pipe *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->consumed == p->produced && !p->done)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->consumed == p->produced) { /* done and drained */
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        struct batch *b = &p->batches[p->consumed % NBATCH];
        int failed = p->failed;
        pthread_mutex_unlock(&p->mu);

        int ok = failed || batch_write(p, b);
        int err = errno;

        pthread_mutex_lock(&p->mu);
        if (!ok) {
            p->failed = 1;
            p->write_errno = err;
        }
        p->consumed++;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Producer side: wait for a free batch slot. Returns the batch to fill. */
static struct batch *next_free(struct pipe *p, int threaded)
{
    if (!threaded)
        return &p->batches[0];
    pthread_mutex_lock(&p->mu);
    while (p->produced - p->consumed == NBATCH)
        pthread_cond_wait(&p->cv, &p->mu);
    struct batch *b = &p->batches[p->produced % NBATCH];
    pthread_mutex_unlock(&p->mu);
    return b;
}

/* Hand a filled batch to the writer (or write it here). Returns 0 when writing failed. */
static int hand_over(struct pipe *p, struct batch *b, int threaded)
{
    if (!threaded) {
        int ok = batch_write(p, b);
        if (!ok) {
            p->failed = 1;
            p->write_errno = errno;
        }
        return ok;
    }
    pthread_mutex_lock(&p->mu);
    p->produced++;
    int failed = p->failed;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return !failed;
}

qs_error qs_pipeline_run(qs_ingest *g, qs_scorer *scorer, const qs_instrument *inst, qs_out *out,
                         FILE *quarantine, const char *source, int threads,
                         qs_pipeline_stats *stats, qs_diag *diag)
{
    struct pipe p;
    qs_error rc = QS_OK;
    int threaded = threads >= 2;
    int nbatches = threaded ? NBATCH : 1;
    pthread_t writer;
    int started = 0;

    memset(&p, 0, sizeof(p));
    p.inst = inst;
    p.out = out;
    p.source = source;
    for (int i = 0; i < nbatches; i++) {
        if (!batch_init(&p.batches[i], inst)) {
            qs_diag_set(diag, NULL, 0, 0, NULL, "out of memory");
            rc = QS_ENOMEM;
            goto done;
        }
    }
    if (threaded) {
        pthread_mutex_init(&p.mu, NULL);
        pthread_cond_init(&p.cv, NULL);
        if (pthread_create(&writer, NULL, writer_main, &p) != 0) {
            /* No thread: fall back to writing here, same bytes. */
            pthread_mutex_destroy(&p.mu);
            pthread_cond_destroy(&p.cv);
            threaded = 0;
        } else {
            started = 1;
        }
    }

    struct batch *b = next_free(&p, threaded);
    b->n = 0;
    b->slen = 0;
    for (;;) {
        qs_admin adm;
        qs_row_problems probs;
        rc = qs_ingest_next(g, &adm, &probs, diag);
        if (rc == QS_EEOF) {
            rc = QS_OK;
            break;
        }
        if (rc == QS_EDATA) {
            stats->quarantined++;
            if (qs_quarantine_write(quarantine, source, &probs)) {
                qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write the quarantine file: %s",
                            strerror(errno));
                rc = QS_EIO;
                break;
            }
            continue;
        }
        if (rc == QS_ENOANSWER) /* not administered: counted by the ingest, never scored */
            continue;
        if (rc)
            break;
        const qs_result *res = qs_scorer_run(scorer, adm.answers, adm.checks);
        if (!batch_add(b, inst, &adm, res)) {
            qs_diag_set(diag, NULL, 0, 0, NULL, "out of memory");
            rc = QS_ENOMEM;
            break;
        }
        stats->scored++;
        if (b->n == BATCH) {
            if (!hand_over(&p, b, threaded)) {
                rc = QS_EIO;
                break;
            }
            b = next_free(&p, threaded);
            b->n = 0;
            b->slen = 0;
        }
    }
    if (rc == QS_OK && b->n && !hand_over(&p, b, threaded))
        rc = QS_EIO;
done:
    if (started) {
        pthread_mutex_lock(&p.mu);
        p.done = 1;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        pthread_join(writer, NULL);
        pthread_mutex_destroy(&p.mu);
        pthread_cond_destroy(&p.cv);
    }
    if (p.failed && (rc == QS_OK || rc == QS_EIO)) {
        qs_diag_set(diag, NULL, 0, 0, NULL, "cannot write the output: %s",
                    strerror(p.write_errno ? p.write_errno : EIO));
        rc = QS_EIO;
    }
    for (int i = 0; i < NBATCH; i++)
        batch_release(&p.batches[i]);
    return rc;
}
