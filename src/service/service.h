/*
 * service.h -- enterprise service (企业服务): the enterprise registry keyed
 * by the unified social credit code, chief service officers, visits
 * (企业大走访), tracked requests (诉求) and inspection findings (营商环境
 * 巡察) with their working-day calendar, imports/exports, the Open311
 * GeoReport v2 front door and the service dashboard.
 *
 * Owns the tables enterprises, enterprise_grams, officer_assignments,
 * kiosk_codes, visits, time_limit_classes, request_categories,
 * requests, request_events, import_jobs.
 *
 * Scoping (every handler applies it before touching data):
 *   enterprise  only its own enterprise, its requests and inbox;
 *   officer     the enterprises it serves (and their requests);
 *   department  requests assigned to it;
 *   leader, admin (and statistician for reading)  everything.
 *
 * Files: enterprise.c (registry,
 * search, officers), import.c / export.c / xlsx.c, requests.c (workflow,
 * inspections), categories.c (time limits), visits.c, open311.c, stats.c.
 */
#ifndef ZONEOPS_SERVICE_H
#define ZONEOPS_SERVICE_H

#include "admin/admin.h"
#include "http/http.h"

/* ---- enterprises (enterprise.c) ---- */

/* The writable fields of an enterprise, as strings/ints after parsing. */
struct enterprise_in {
	const char *credit_code, *name, *street, *industry, *contact_name, *contact_phone, *founded_on;
	const char *credit_code_note;       /* admin's reason to accept a checksum-failing code */
	int64_t street_id, officer_id, department_id, employees, registered_capital_wan;
	double land_mu;
	int key;                            /* -1 unset */
	/* which fields were given (for PATCH and imports) */
	unsigned has;                       /* bits of ENT_F_* */
};
enum {
	ENT_F_CODE = 1u << 0, ENT_F_NAME = 1u << 1, ENT_F_STREET = 1u << 2, ENT_F_INDUSTRY = 1u << 3,
	ENT_F_KEY = 1u << 4, ENT_F_OFFICER = 1u << 5, ENT_F_DEPT = 1u << 6, ENT_F_CONTACT = 1u << 7,
	ENT_F_PHONE = 1u << 8, ENT_F_EMPLOYEES = 1u << 9, ENT_F_CAPITAL = 1u << 10, ENT_F_LAND = 1u << 11,
	ENT_F_FOUNDED = 1u << 12, ENT_F_NOTE = 1u << 13,
};

/* Validate and normalise e in place (strings copied into arena a).
 * allow_bad_checksum: the caller is an admin who gave credit_code_note.
 * Returns 0 or -1 with *fe filled. */
int enterprise_validate(db_t *db, arena_t *a, struct enterprise_in *e, int allow_bad_checksum, err_t *fe);
/* Insert or update by credit code.  *created tells which.  Maintains the
 * search grams and the officer history.  Returns DB_OK or a DB_ error. */
int enterprise_upsert(db_t *db, const struct enterprise_in *e, int64_t actor_id, int64_t *id, int *created);
/* Rebuild the search grams of one enterprise from its name. */
int enterprise_index_name(db_t *db, int64_t id, const char *name);

/* 1 when r's caller may see enterprise id (enterprise: own; others: all
 * staff; officers see all for reading the registry). */
int enterprise_visible(req_t *r, int64_t id);

void api_enterprises_list(req_t *r);
void api_enterprises_create(req_t *r);
void api_enterprise_get(req_t *r);
void api_enterprise_update(req_t *r);
void api_enterprise_officers(req_t *r);     /* assignment history */
void api_enterprise_kiosk_code(req_t *r);   /* one-time login code for the kiosk */
void api_officers_list(req_t *r);           /* workload at a glance */
void api_officer_enterprises(req_t *r);

/* Kiosk login support (used by POST /api/v1/session with credit_code). */
int64_t enterprise_id_by_code(db_t *db, const char *code);
int kiosk_code_consume(db_t *db, int64_t enterprise_id, const char *code);  /* 1 ok */

/* ---- import / export (import.c, export.c; the framework is table/table.h) ---- */
void api_enterprises_import(req_t *r);      /* raw CSV/XLSX body → import job (202) */
void api_import_get(req_t *r);              /* GET /api/v1/imports/{id}: any import job */
void api_enterprises_export(req_t *r);      /* ?format=csv|xlsx + list filters */
int cli_import(int argc, char **argv, db_t *db);
int cli_export(int argc, char **argv, db_t *db);

/* ---- request categories and time limits (categories.c) ---- */
/* A request category's time limit: 1 found (*months or *workdays set,
 * the other 0), 0 unknown category, -1 database error. */
int category_limit(db_t *db, const char *code, int *months, int *workdays);
void api_calendar_due(req_t *r);            /* a category's due date on the calendar */

/* ---- requests and inspections (requests.c) ---- */
struct request_in {
	const char *kind;                   /* "request" | "inspection" */
	int64_t enterprise_id;
	const char *category, *title, *description, *source;
	int64_t visit_id, department_id;    /* 0 when unset */
	const char *due_on;                 /* inspections: rectification deadline */
};
/* Create a request (status submitted) with its first history event.
 * Returns 0 or -1 with *fe. */
int request_create(db_t *db, const user_t *actor, const struct request_in *in, int64_t *id, err_t *fe);
/* May actor raise a request for in->enterprise_id?  Fills in the
 * enterprise (enterprise accounts) and the department (department
 * accounts).  0, -1 with *fe, or -2 on a database error. */
int request_check_actor(db_t *db, const user_t *actor, struct request_in *in, err_t *fe);
/* 1 when r's caller may see request id. */
int request_visible(req_t *r, int64_t id);

void api_request_categories(req_t *r);
void api_request_category_update(req_t *r);
void api_requests_list(req_t *r);
void api_requests_create(req_t *r);
void api_request_get(req_t *r);
void api_request_transition(req_t *r);
void api_inspections_list(req_t *r);
void api_inspections_create(req_t *r);
void api_inspection_get(req_t *r);
void api_inspection_transition(req_t *r);

/* ---- visits (visits.c) ---- */
void api_visits_list(req_t *r);
void api_visits_create(req_t *r);
void api_visit_get(req_t *r);

/* ---- Open311 GeoReport v2 (open311.c) ---- */
void open311_discovery(req_t *r);
void open311_services(req_t *r);
void open311_service(req_t *r);
void open311_requests_list(req_t *r);
void open311_requests_create(req_t *r);
void open311_request_get(req_t *r);

/* ---- dashboard (stats.c) ---- */
void api_service_stats(req_t *r);

#endif
