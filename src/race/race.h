/*
 * race.h -- horse-race investment attraction (赛马制招商): projects of the
 * six "4+2" units through their stages, the battle board.  Owns the table
 * projects.
 */
#ifndef ZONEOPS_RACE_H
#define ZONEOPS_RACE_H

#include "http/http.h"

#define MAJOR_PROJECT_WAN 100000   /* 重大项目: >= 10亿元 = 100000万元 */

void api_projects_list(req_t *r);

#endif
