/* error.c - messages and names for qs_error, generated from QS_ERROR_LIST. */
#include "qscore/error.h"

static const char *const messages[] = {
#define QS__ERROR_MSG(name, msg) msg,
    QS_ERROR_LIST(QS__ERROR_MSG)
#undef QS__ERROR_MSG
};

static const char *const names[] = {
#define QS__ERROR_NAME(name, msg) #name,
    QS_ERROR_LIST(QS__ERROR_NAME)
#undef QS__ERROR_NAME
};

const char *qs_strerror(qs_error err)
{
    if ((unsigned)err >= (unsigned)QS_ERROR_COUNT)
        return "unknown error";
    return messages[err];
}

const char *qs_error_name(qs_error err)
{
    if ((unsigned)err >= (unsigned)QS_ERROR_COUNT)
        return "UNKNOWN";
    return names[err];
}
