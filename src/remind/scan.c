/* scan.c -- STUB until the scans land (issue 13, part C). */
#include "remind.h"

int remind_scan(db_t *db, int64_t now) { return 0; }
