/* qscore/version.h - the library's version. */
#ifndef QSCORE_VERSION_H
#define QSCORE_VERSION_H

/** The version of the library, e.g. "0.1.0"; static storage. */
const char *qs_version(void);

#endif
