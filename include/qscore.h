/* qscore.h - the umbrella header: one include per concept, in the order data flows. */
#ifndef QSCORE_H
#define QSCORE_H

#include "qscore/atomic.h"
#include "qscore/change.h"
#include "qscore/cohort.h"
#include "qscore/config.h"
#include "qscore/diag.h"
#include "qscore/error.h"
#include "qscore/export.h"
#include "qscore/expr.h"
#include "qscore/format.h"
#include "qscore/ingest.h"
#include "qscore/instrument.h"
#include "qscore/mapdraft.h"
#include "qscore/mapping.h"
#include "qscore/norms.h"
#include "qscore/output.h"
#include "qscore/pipeline.h"
#include "qscore/profile.h"
#include "qscore/pseudonym.h"
#include "qscore/quarantine.h"
#include "qscore/reader.h"
#include "qscore/report.h"
#include "qscore/run.h"
#include "qscore/score.h"
#include "qscore/store.h"
#include "qscore/version.h"

#endif
