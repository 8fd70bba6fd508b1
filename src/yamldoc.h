/* yamldoc.h - a small, bounded YAML document tree with positions, and schema-walking helpers. */
#ifndef QS_YAMLDOC_H
#define QS_YAMLDOC_H

#include <stddef.h>

#include "pool.h"
#include "qscore/diag.h"
#include "qscore/error.h"

/*
 * All of qscore's YAML (instruments, mappings, clinic configs) goes through here, so every
 * loader gets the same defences against hostile files and the same error positions:
 *  - files over QS_YAML_MAX_BYTES, text that is not UTF-8, nesting deeper than
 *    QS_YAML_MAX_DEPTH, more than QS_YAML_MAX_ALIASES aliases, or more than QS_YAML_MAX_NODES
 *    nodes (aliases are expanded by copying, and copies count) are refused before any schema
 *    work, so a "billion laughs" file costs microseconds;
 *  - an alias can only name a completed anchor, so `&a [*a]` is an error, not a cycle;
 *  - the event API is used, never yaml_parser_load, so the depth check runs before the tree
 *    exists.
 * Duplicate keys and unknown keys are found by qs_yaml__check_keys(), which every schema walker
 * calls on every mapping it reads: it knows the key path for the message.
 */

#define QS_YAML_MAX_BYTES   (1024 * 1024)
#define QS_YAML_MAX_DEPTH   32
#define QS_YAML_MAX_NODES   100000
#define QS_YAML_MAX_ALIASES 16

typedef enum qs_ytype { QS_Y_SCALAR, QS_Y_SEQ, QS_Y_MAP } qs_ytype;

typedef struct qs_ynode {
    qs_ytype type;
    unsigned long line;     /* 1-based */
    unsigned long column;   /* 1-based */
    const char *value;      /* scalar: NUL-terminated text */
    size_t len;             /* scalar: bytes in value */
    int quoted;             /* scalar: written in quotes or as a block (not plain) */
    size_t count;           /* seq: items; map: key/value pairs */
    struct qs_ynode **kids; /* seq: items; map: key0, value0, key1, value1, ... */
} qs_ynode;

typedef struct qs_ydoc {
    qs_pool *pool;
    qs_ynode *root; /* NULL for an empty document */
    char *file;     /* display name used in diagnostics */
} qs_ydoc;

/**
 * Parse `path` into a tree. On failure returns QS_EIO, QS_EPARSE, QS_ELIMIT, QS_EENCODING or
 * QS_ENOMEM with `diag` naming the file, line and column; *out is NULL.
 */
qs_error qs_yaml__load_file(qs_ydoc **out, const char *path, const char *display, qs_diag *diag);

/** As qs_yaml__load_file over a buffer. */
qs_error qs_yaml__load_mem(qs_ydoc **out, const char *buf, size_t len, const char *display,
                           qs_diag *diag);

/**
 * Load from the file `path` (when `buf` is NULL) or from `buf`/`len`, appending the failure (if
 * any) to `errors`: the common first step of every YAML loader.
 */
qs_error qs_yaml__load_into(qs_ydoc **out, const char *path, const char *buf, size_t len,
                            const char *display, qs_diag_list *errors);

/** Free the document and every node; NULL-safe. */
void qs_yaml__free(qs_ydoc *doc);

/*
 * A loader's own part: build the object in `out` (the loader's `T **`, passed through as is)
 * from the document, appending every problem to `errors`. The document is freed after it
 * returns, so the object keeps copies, never nodes.
 */
typedef qs_error (*qs_yaml__build_fn)(void *out, const qs_ydoc *doc, const char *display,
                                      qs_diag_list *errors);

/**
 * The whole of a YAML loader but its schema: load from the file `path` (when `buf` is NULL) or
 * from `buf`/`len` as qs_yaml__load_into does, build with `build`, free the document. Returns
 * the load's error (appended to `errors`) or `build`'s.
 */
qs_error qs_yaml__load_with(void *out, const char *path, const char *buf, size_t len,
                            const char *display, qs_diag_list *errors, qs_yaml__build_fn build);

/* ---- schema walking ---------------------------------------------------------------------- */

/* A key path under construction: "scores[2].items[5]". Indices are 0-based. */
typedef struct qs_ypath {
    char buf[QS_DIAG_PATH_MAX];
    size_t len;
} qs_ypath;

/** Append ".key" (or "key" at the root); returns the previous length for qs_ypath_pop. */
size_t qs_ypath__key(qs_ypath *p, const char *key);
/** Append "[i]"; returns the previous length. */
size_t qs_ypath__index(qs_ypath *p, size_t i);
/** Restore a length returned by a push. */
void qs_ypath__pop(qs_ypath *p, size_t len);

/* A walker's context: where errors go. */
typedef struct qs_ywalk {
    const qs_ydoc *doc;
    qs_diag_list *errors;
    qs_ypath path;
} qs_ywalk;

/** Report an error at `node` (may be NULL: no position) under the current path. */
void qs_ywalk__error(qs_ywalk *w, const qs_ynode *node, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** Report an error at the value of `key` in `map`, with `key` on the path. */
void qs_ywalk__key_error(qs_ywalk *w, const qs_ynode *map, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/** What a node is, for "found ...": the quoted text of a scalar (shortened), else its kind. */
const char *qs_ynode__found(const qs_ynode *n, char *buf, size_t size);

/** A short description of a node's kind for messages: "a mapping", "a list", "'text'". */
const char *qs_ynode__kind(const qs_ynode *n);

/**
 * Check a mapping's keys: each must be a plain scalar in `allowed` (NULL-terminated), no key
 * twice. Reports "unknown key 'revers' (expected one of: ...)" and "duplicate key 'id' (first at
 * line 3)" under the current path. Returns 0 if `map` is not a mapping (reported), else 1.
 */
int qs_ywalk__check_keys(qs_ywalk *w, const qs_ynode *map, const char *const *allowed);

/** The value for `key` in `map`, or NULL. */
const qs_ynode *qs_ynode__get(const qs_ynode *map, const char *key);

/** Key node paired with a value (for positions); NULL if absent. */
const qs_ynode *qs_ynode__get_key(const qs_ynode *map, const char *key);

/*
 * Typed readers: each reports a positioned error and returns 0 when the node is missing (and
 * `required`) or of the wrong type, else stores the value and returns 1. A missing optional key
 * returns 0 without an error and leaves *out untouched. `key` is pushed on the path.
 */
int qs_ywalk__string(qs_ywalk *w, const qs_ynode *map, const char *key, int required,
                     const char **out);
int qs_ywalk__long(qs_ywalk *w, const qs_ynode *map, const char *key, int required, long min,
                   long max, long *out);
int qs_ywalk__double(qs_ywalk *w, const qs_ynode *map, const char *key, int required, double min,
                     double max, double *out);
int qs_ywalk__bool(qs_ywalk *w, const qs_ynode *map, const char *key, int required, int *out);

/** Parse a scalar node as an integer / finite double / boolean without reporting. */
int qs_ynode__as_long(const qs_ynode *n, long *out);
int qs_ynode__as_double(const qs_ynode *n, double *out);
int qs_ynode__as_bool(const qs_ynode *n, int *out);

#endif
