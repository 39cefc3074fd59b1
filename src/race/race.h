/*
 * race.h -- horse-race investment attraction (赛马制招商): the six "4+2"
 * units, their leaders and recruiters, qualified leads (有效信息), projects
 * through their stages (lead, negotiating, signed, landed, started,
 * producing), trips (外出招商) and quotas, the monthly ranking of units and
 * recruiters, published months, unit targets and the battle board.
 *
 * Owns the tables units (writes), leads, projects, trips, unit_targets,
 * race_results.  Amounts are stored as integer 万元 (万美元); the API
 * speaks 亿元 / 亿美元 with decimals.
 *
 * Files: units.c (units, targets), leads.c, projects.c, trips.c,
 * ranking.c (the monthly race, publishing, weights, export), import.c
 * (leads, projects, trips from CSV/XLSX).
 */
#ifndef ZONEOPS_RACE_H
#define ZONEOPS_RACE_H

#include "http/http.h"

#define MAJOR_PROJECT_WAN 100000   /* 重大项目: >= 10亿元 = 100000万元 */

/* units.c */
void api_units_create(req_t *r);
void api_unit_update(req_t *r);
void api_unit_targets_get(req_t *r);       /* GET ?year= → every unit's targets and progress */
void api_unit_targets_put(req_t *r);

/* leads.c */
void api_leads_list(req_t *r);
void api_leads_create(req_t *r);
void api_lead_get(req_t *r);
void api_lead_update(req_t *r);            /* includes qualify/reject by the unit's leader */

/* projects.c */
void api_projects_list(req_t *r);
void api_projects_create(req_t *r);
void api_project_get(req_t *r);
void api_project_update(req_t *r);

/* trips.c */
void api_trips_list(req_t *r);
void api_trips_create(req_t *r);
void api_trip_update(req_t *r);
void api_trip_delete(req_t *r);
void api_quotas(req_t *r);                 /* GET ?month= → each person's days out, visits, quota met, gaps */

/* ranking.c */
void api_race(req_t *r);                   /* GET ?month=YYYY-MM */
void api_race_recruiters(req_t *r);        /* GET ?month=YYYY-MM */
void api_race_publish(req_t *r);           /* POST {month} */
void api_race_unpublish(req_t *r);         /* DELETE /race/publish {month, reason} (admins) */
void api_race_weights_get(req_t *r);
void api_race_weights_put(req_t *r);
void api_race_export(req_t *r);            /* GET ?month= → XLSX */
/* The month a race page opens on without one asked: the latest month up
 * to the current one with activity or a published result, else the
 * current one ("YYYY-MM" into out).  0, or -1 on a database error. */
int race_latest_month(db_t *db, char out[MONTH_LEN]);
/* 1 when month y-m is over in zone time (before the current month). */
int race_month_closed(int y, int m);
/* Publish month ("YYYY-MM"): freeze its race with the current weights.
 * The month well formed (422 invalid_parameter), race_may_publish (403),
 * closed (422 month_open, params month and current), not yet published
 * (409 already_published).  0 with *result (the frozen race), or -1 with
 * err.  actor NULL: the system. */
int race_publish(db_t *db, const user_t *actor, const char *month, int64_t now, json_t **result, err_t *err);
/* Withdraw month's publication (a mistaken one): an admin (403), with a
 * written reason (race_reason_check, 422), the month published (404
 * not_published).  0 with *detail ({reason, published_at, published_by}
 * for the audit log), or -1 with err. */
int race_unpublish(db_t *db, const user_t *actor, const char *month, const char *reason, json_t **detail,
                   err_t *err);

/* import.c */
void api_race_import(req_t *r);            /* POST ?kind=leads|projects|trips, raw CSV/XLSX */
int cli_import_race(int argc, char **argv, db_t *db);   /* import leads|projects|trips FILE */

#endif
