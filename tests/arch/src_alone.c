/* src_alone.c - a program linked from the library's src/ objects only, never reports/ or cmd/. */
#include <stdio.h>

#include "qscore/error.h"

/*
 * The program does nothing of interest: the test is that it links. tests/CMakeLists.txt puts
 * every src/ object on the link line (objects, not an archive, so none is left out), and any
 * symbol one of them takes from reports/ or cmd/ is then an undefined reference.
 */
int main(void)
{
    return puts(qs_strerror(QS_OK)) < 0;
}
