/*
 * service.h -- enterprise service (企业服务): the enterprise registry keyed
 * by the unified social credit code, chief service officers, visits
 * (企业大走访), tracked requests (诉求) and inspection findings (营商环境
 * 巡察) with their working-day calendar, imports/exports, the Open311
 * GeoReport v2 front door and the service dashboard.
 *
 * Owns the tables enterprises, officer_assignments,
 * visits, time_limit_classes, request_categories,
 * requests, request_events, import_jobs.
 *
 * Scoping (every handler applies it before touching data):
 *   enterprise  only its own enterprise, its requests and inbox;
 *   officer     the enterprises it serves (and their requests);
 *   department  requests assigned to it; a street's office (a department
 *               with street_id, user_street_id()) also reads its street's
 *               enterprises only and their requests (区街上下联动);
 *   leader, admin (and statistician for reading)  everything.
 *
 * Files: enterprise.c (registry,
 * search, officers), import.c / export.c / xlsx.c, requests.c (the
 * workflow of requests and inspections) and requests_api.c (its HTTP
 * handlers), categories.c (time limits), visits.c, open311.c, stats.c.
 */
#ifndef ZONEOPS_SERVICE_H
#define ZONEOPS_SERVICE_H

#include "admin/admin.h"
#include "http/http.h"

/* ---- enterprises (enterprise.c) ---- */

/* The writable fields of an enterprise, as strings/ints after parsing. */
struct enterprise_in {
	const char *credit_code, *name, *street, *industry, *contact_name, *contact_phone, *founded_on;
	const char *contact_email;          /* its notices by e-mail (issue 13); "" none */
	const char *credit_code_note;       /* admin's reason to accept a checksum-failing code */
	int64_t street_id, officer_id, department_id, employees, registered_capital_wan;
	double land_mu;
	int key;                            /* -1 unset */
	/* which fields were given (for PATCH and imports) */
	unsigned has;                       /* bits of ENT_F_* */
	int refs_resolved;                  /* street, officer and department ids come from the store's
	                                       lists (an import): enterprise_validate looks none up */
};
enum {
	ENT_F_CODE = 1u << 0, ENT_F_NAME = 1u << 1, ENT_F_STREET = 1u << 2, ENT_F_INDUSTRY = 1u << 3,
	ENT_F_KEY = 1u << 4, ENT_F_OFFICER = 1u << 5, ENT_F_DEPT = 1u << 6, ENT_F_CONTACT = 1u << 7,
	ENT_F_PHONE = 1u << 8, ENT_F_EMPLOYEES = 1u << 9, ENT_F_CAPITAL = 1u << 10, ENT_F_LAND = 1u << 11,
	ENT_F_FOUNDED = 1u << 12, ENT_F_NOTE = 1u << 13, ENT_F_EMAIL = 1u << 14,
};

/* Validate and normalise e in place (strings copied into arena a).
 * allow_bad_checksum: the caller is an admin who gave credit_code_note.
 * Returns 0 or -1 with *fe filled. */
int enterprise_validate(db_t *db, arena_t *a, struct enterprise_in *e, int allow_bad_checksum, err_t *fe);
/* Insert or update by credit code.  *created tells which.  Maintains the
 * search grams and the officer history (assigned by actor_id, 0: none).
 * now (unix seconds) stamps created_at / updated_at and the assignment.
 * Returns DB_OK or a DB_ error. */
int enterprise_upsert(db_t *db, const struct enterprise_in *e, int64_t actor_id, int64_t now, int64_t *id,
                      int *created);
/* Move enterprise id in the search index from the grams of old_name (NULL:
 * a new enterprise) to those of name. */
int enterprise_index_name(db_t *db, int64_t id, const char *old_name, const char *name);
/* An import's writes in bulk (struct ent_bulk): enterprise_create_bulk()
 * keeps a new enterprise (copied), enterprise_update_bulk() the fields of
 * a stored one (by credit code) and enterprise_upsert_bulk() an updated
 * name's grams; enterprise_bulk_flush() writes them -- the new rows and
 * their officer assignments with db_copy (COPY on PostgreSQL); the updates
 * by a few statements for all of them (their rows staged with db_copy,
 * locked and read by one join, the changed ones written by one UPDATE ...
 * FROM, the officer changes by one UPDATE and one COPY); then the names'
 * grams in bulk (db_grams_write) -- before the transaction commits, and on
 * its own whenever ENT_BULK_FLUSH wait.  A new enterprise's code must be
 * free (the import checked it): a code taken meanwhile fails the flush
 * with DB_CONSTRAINT; an updated one deleted meanwhile is created again. */
#define ENT_BULK_FLUSH 20000
struct ent_bulk {
	int64_t *ids;                 /* names whose grams wait */
	char **names;
	size_t n, cap;
	struct enterprise_in *rows;   /* new enterprises waiting, in arena a */
	int64_t *actors, *nows;
	size_t nrows, rowcap;
	arena_t *a;
	struct enterprise_in *upd;    /* updates waiting, in arena ua */
	int64_t *uactors, *unows;
	size_t nupd, updcap;
	arena_t *ua;
	int hold;                     /* 1: the queue never flushes itself; the caller flushes
	                                 once enterprise_bulk_full() (an import's flush in the
	                                 background while it reads on) */
	struct gram_bulk **later;     /* NULL: a flush writes its new names' grams itself;
	                                 else they go to *later (db_grams_bulk_add: made by a
	                                 thread while the batch before's are written, the last
	                                 block's held back), which enterprise_bulk_settle()
	                                 ends -- shared by an import's two queues */
};
int enterprise_create_bulk(db_t *db, const struct enterprise_in *e, int64_t actor_id, int64_t now,
                           struct ent_bulk *b);
int enterprise_update_bulk(db_t *db, const struct enterprise_in *e, int64_t actor_id, int64_t now,
                           struct ent_bulk *b);
int enterprise_upsert_bulk(db_t *db, const struct enterprise_in *e, int64_t actor_id, int64_t now, int64_t *id,
                           int *created, struct ent_bulk *g);
/* 1 when ENT_BULK_FLUSH new or updated enterprises wait in g. */
int enterprise_bulk_full(const struct ent_bulk *g);
int enterprise_bulk_flush(db_t *db, struct ent_bulk *g);
/* Write (write 1) or drop (0, an error path) the grams the flushes left in
 * *later; *later is NULL afterwards. */
int enterprise_bulk_settle(db_t *db, struct gram_bulk **later, int write);
void enterprise_bulk_free(struct ent_bulk *g);

/* 1 when r's caller may see enterprise id (enterprise: own; a street
 * user -- user_street_id() -- its street's; others: all staff; officers
 * see all for reading the registry). */
int enterprise_visible(req_t *r, int64_t id);
/* The same for user u (NULL: nobody). */
int enterprise_in_scope(db_t *db, const user_t *u, int64_t id);
/* 区街上下联动: a list's street filter (0: none) narrowed to what u reads:
 * for a street user its street (the filter naming another street: -1,
 * nothing); for everyone else the filter as it is.  The list, a single
 * enterprise (enterprise_visible) and the export use it with the same
 * filter SQL "(CAST($n AS BIGINT) = 0 OR e.street_id = $n)". */
int64_t enterprise_street_scope(db_t *db, const user_t *u, int64_t street);
/* 1 when u may see an enterprise's contact name and phone: the roles that
 * serve it -- an admin, a leader, its officer, the enterprise itself, the
 * department it is assigned to -- and the CLI (u NULL); recruiters and
 * statisticians never (docs/permissions.md, field rules). */
int enterprise_contact_visible(const user_t *u, int64_t enterprise_id, int64_t officer_id, int64_t department_id);

void api_enterprises_list(req_t *r);
void api_enterprises_create(req_t *r);
void api_enterprise_get(req_t *r);
void api_enterprise_update(req_t *r);
void api_enterprise_officers(req_t *r);     /* assignment history */
void api_enterprise_kiosk_code(req_t *r);   /* one-time login code for the kiosk */
void api_officers_list(req_t *r);           /* workload at a glance */
void api_officer_enterprises(req_t *r);

/* The enterprise of a (normalised) credit code, or 0. */
int64_t enterprise_id_by_code(db_t *db, const char *code);

/* ---- import / export (import.c, export.c; the framework is table/table.h) ---- */
void api_enterprises_import(req_t *r);      /* raw CSV/XLSX body → import job (202) */
void api_enterprises_export(req_t *r);      /* ?format=csv|xlsx + list filters */
int cli_import(int argc, char **argv, db_t *db);
int cli_export(int argc, char **argv, db_t *db);

/* ---- request categories and time limits (categories.c) ---- */
/* A request category's time limit: 1 found (*months or *workdays set,
 * the other 0), 0 unknown category, -1 database error. */
int category_limit(db_t *db, const char *code, int *months, int *workdays);
void api_calendar_due(req_t *r);            /* a category's due date on the calendar */

/* ---- requests and inspections (requests.c: the workflow; requests_api.c:
 * its HTTP handlers) ----
 * The domain functions take the acting user and the time (unix seconds;
 * "today" is the zone's date of it), never a req_t, so that the API,
 * Open311, visits and the demo share them.  They fill an err_t and return
 * -1 on failure; the caller runs them inside its transaction. */
#define REQUEST_DESCRIPTION_MAX 4000   /* characters of a description, everywhere */
#define REQUEST_TITLE_MAX 200
#define REQUEST_NOTE_MAX 1000          /* reason, comment, detail, contact */
#define REQUEST_RESULT_MAX 4000        /* resolution, evidence */
#define REQUEST_ACTIONS_MAX 10         /* actions of one kind */
enum { REQ_KIND_REQUEST = 0, REQ_KIND_INSPECTION = 1 };

/* The one definition of "overdue", as SQL over a requests row aliased R
 * with today's date ('YYYY-MM-DD') as the SQL parameter T: every list,
 * filter, dashboard and count uses these (requests_api.c, stats.c, the
 * officers' counts in enterprise.c).
 *   accept overdue (受理超时)   a request still submitted after its last
 *                               day to be accepted (accept_due_on, the
 *                               setting accept_days working days after
 *                               submission);
 *   handling overdue           a request accepted, in progress or
 *                               escalated, or an inspection not closed,
 *                               after its due_on (the clock stops while
 *                               awaiting the enterprise);
 *   overdue                    either. */
#define REQUEST_ACCEPT_OVERDUE_SQL(R, T) \
	"(" R ".kind = 'request' AND " R ".status = 'submitted' AND " R ".accept_due_on <> ''" \
	" AND " R ".accept_due_on < " T ")"
#define REQUEST_HANDLING_OVERDUE_SQL(R, T) \
	"(" R ".due_on <> '' AND " R ".due_on < " T " AND ((" R ".kind = 'request' AND " R ".status IN" \
	" ('accepted', 'in_progress', 'escalated')) OR (" R ".kind = 'inspection' AND " R ".status <> 'verified_closed')))"
#define REQUEST_OVERDUE_SQL(R, T) "(" REQUEST_ACCEPT_OVERDUE_SQL(R, T) " OR " REQUEST_HANDLING_OVERDUE_SQL(R, T) ")"
/* The level that solved a resolved request (resolved_level; rows resolved
 * before it was kept: the level it was at). */
#define REQUEST_SOLVED_LEVEL_SQL(R) "(CASE WHEN " R ".resolved_level <> '' THEN " R ".resolved_level ELSE " R ".level END)"

/* 区街上下联动: a street user (user_street_id() S, 0 for anyone else) reads
 * the requests of its street's enterprises, as SQL over a requests row R
 * and its enterprise E -- the one rule of the requests list and of a single
 * request (request_case.in_street); acting stays with the department a
 * request is assigned to. */
#define REQUEST_IN_STREET_SQL(R, E, S) "(" R ".kind = 'request' AND " E ".street_id = " S ")"

struct request_in {
	const char *kind;                   /* "request" | "inspection" */
	int64_t enterprise_id;
	const char *category, *title, *description, *source;
	/* appended to the stored description (after a blank line) once the
	 * description's limit is checked: Open311's contact and location */
	const char *appendix;
	int64_t visit_id, department_id;    /* 0 when unset */
	const char *due_on;                 /* inspections: rectification deadline */
};
/* Create a request (status submitted) or an inspection finding (open) at
 * time now, with its first history event.  A request's actor must be
 * allowed to raise it (recruiters and statisticians not at all; an
 * enterprise account for its own enterprise, filled in when absent; an
 * officer for the enterprises it serves; a department's request is
 * assigned to it).  0 with *id, or -1 with *err. */
int request_create(db_t *db, const user_t *actor, const struct request_in *in, int64_t now, int64_t *id, err_t *err);

/* The input of one step; each action reads its own fields. */
struct request_action_in {
	int64_t department_id;              /* accept: the handling department; escalate (required):
	                                       a department of the next level; return: one of the
	                                       level below (default: the one that escalated it) */
	const char *level, *contact;        /* escalate: city|province (must agree with the
	                                       department's), the counterpart contacted */
	const char *reason;                 /* escalate, return, reject (required), wait, reopen */
	const char *detail;                 /* wait: the reason when reason is NULL */
	const char *resolution;             /* resolve (required) */
	const char *evidence;               /* submit (required) */
	int64_t rating;                     /* rate (required): 1-5; 0 absent */
	const char *comment;                /* any action */
};
/* What a step did, for the audit log. */
struct request_change {
	char from[24], to[24];              /* statuses */
	char *detail;                       /* the event's detail as JSON, malloc'd ("{}" when none) */
};
/* Take action on case id of kind (REQ_KIND_*) as actor at time now: the
 * action table (requests.c) says from which statuses and by which roles,
 * and one function per action checks its input and applies it; the row
 * is updated only if its status is still the one read (else 409) and the
 * step is appended to request_events.  404 when the case does not exist,
 * is of the other kind or actor may not see it; 422 unknown action; 403
 * a role that may not take it; 409 illegal_transition from this status.
 * out may be NULL; otherwise free out->detail.  0, or -1 with *err. */
int request_transition(db_t *db, const user_t *actor, int kind, int64_t id, const char *action,
                       const struct request_action_in *in, int64_t now, struct request_change *out, err_t *err);

/* Append one event to request rid's history (u NULL: "system"; detail,
 * stolen, may be NULL).  DB_OK or the DB_ code. */
int request_event_add(db_t *db, int64_t rid, int64_t at, const user_t *u, const char *action, const char *from,
                      const char *to, json_t *detail);
/* The decision of a joint meeting (meetings.c) on case id (a request or a
 * finding), whoever may see it: the department dept (0: none) takes it
 * over by the hand-over escalation uses -- it holds it now, every former
 * holder keeps read access (request_departments), a submitted request is
 * accepted (its time limit starts today; others keep theirs) -- and the
 * history gets an event `action` with detail (stolen; the hand-over adds
 * its fields).  A case already resolved or closed only gets the event.
 * 0, or -1 with err (404 no such case, 422 no such department on field
 * lead_department_id, 500). */
int request_take_over(db_t *db, const user_t *actor, int64_t id, int64_t dept, const char *action, json_t *detail,
                      int64_t now, err_t *err);
/* No calendar cliff (due_recompute.c): the provisional dates of open
 * requests that count through year (loaded now) computed again, each with
 * a history event due_recomputed; the number of requests, or -1 with err.
 * The hook of calendar_load (calendar_on_load), set at start-up. */
int requests_recompute_provisional(db_t *db, int year, int64_t now, err_t *err);

/* Notices (issue 13, notify.h): the steps emit theirs (requests.c);
 * src/remind/ emits the time-driven ones with the same payload.
 * The working days from today to due (YYYY-MM-DD) into *left: n working
 * days after today up to due, 0 due today, negative: overdue by that many
 * (the working days after due up to today).  0, or -1 (database). */
int request_workdays_left(db_t *db, const char *today, const char *due, int64_t *left);
/* What a notice about case id says (src/notify/messages.c): case
 * (request | inspection), title, enterprise, department (the one that has
 * it), path (the page: #/requests/ID
 * or #/inspections/ID) and, when there is a date, due_on (due, or the
 * case's due_on when due is NULL) with workdays_left on the zone's date of
 * now.  A new object, or NULL (no such case, database error). */
json_t *request_notice_payload(db_t *db, int64_t id, const char *due, int64_t now);
/* The same object from the case's fields (kind "request" | "inspection";
 * enterprise and department "" for none), with due_on and workdays_left
 * when workdays_left is not NULL: for callers that read many cases at
 * once (the reminders).  NULL when out of memory. */
json_t *request_notice_json(int64_t id, const char *kind, const char *title, const char *enterprise,
                            const char *department, const char *due_on, const int64_t *workdays_left);

/* A case as the workflow's rules see it. */
struct request_case {
	int64_t id, enterprise_id, department_id;
	int64_t officer_id;                 /* the enterprise's chief service officer */
	int kind;
	const char *status, *level;
	int held;                           /* the actor's department held it before (escalated
	                                       away): it may read it, not act */
	int in_street;                      /* a request of an enterprise of the actor's street
	                                       (REQUEST_IN_STREET_SQL): it may read it */
};
/* 1 when u may see c: admins, leaders, statisticians all; a department
 * what is assigned to it or was before (held), a street's office also the
 * requests of its street's enterprises (in_street); an enterprise its own
 * requests; an officer the requests of the enterprises it serves.  Only
 * the department that has it now may act on it. */
int request_case_visible(const user_t *u, const struct request_case *c);
/* May u take action on c now?  0, or -1 with *err as request_transition
 * answers (404, 422, 403, 409, or 422 for a row condition: escalation
 * beyond the province). */
int request_action_check(const user_t *u, const struct request_case *c, const char *action, err_t *err);
/* The actions u may take on c now (those request_action_check allows), in
 * the table's order, into out; returns how many. */
int request_actions(const user_t *u, const struct request_case *c, const char *out[REQUEST_ACTIONS_MAX]);
/* Load case id of kind as actor sees it (status and level in arena a).
 * 0, or -1 with *err: 404 as request_transition, 500. */
int request_find(db_t *db, arena_t *a, const user_t *actor, int kind, int64_t id, struct request_case *c, err_t *err);
/* 1 when actor may see request id (any kind), 0 not or no such, -1 error. */
int request_visible(db_t *db, const user_t *actor, int64_t id);
/* The officer of enterprise ent (0: none), or -1 with err (422 no such
 * enterprise, 500).  Shared by requests and visits. */
int64_t enterprise_officer(db_t *db, int64_t ent, err_t *err);
/* 0 when department id exists, else -1 with err (422, 500). */
int department_known(db_t *db, int64_t id, err_t *err);
/* "request" or "inspection". */
const char *request_kind_name(int kind);
/* 1 when status is one of kind's statuses. */
int request_status_known(int kind, const char *status);
/* An inspection category's name (Chinese, or English with en), or NULL. */
const char *inspection_category_name(const char *code, int en);

/* GB/T 4754-2017 industries (industries.c; the table is core/industry.h) */
void api_industries(req_t *r);
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
#define VISIT_MAX_PROBLEMS 20
#define VISIT_PEOPLE_MAX 500
#define VISIT_NOTES_MAX 4000
struct visit_in {
	int64_t enterprise_id, department_id;   /* department: 0 unset */
	const char *visited_on, *people_met, *notes;
	const struct request_in *problems;      /* category, title, description of each */
	size_t nproblems;
	struct plan_in *plans;                  /* 一企一档: the plans learnt, stored with the visit */
	size_t nplans;
};
/* Record a visit by actor at time now (visited_on not after today) and
 * raise each problem as a request (source visit) through request_create.
 * Officers visit the enterprises they serve; a department account its
 * own department's visits (department_id filled in).  0 with *id, or -1
 * with *err; for a problem's error, the parameter "problem" is its index
 * (from 0) and field the problem's field. */
int visit_create(db_t *db, const user_t *actor, const struct visit_in *in, int64_t now, int64_t *id, err_t *err);
void api_visits_list(req_t *r);
void api_visits_create(req_t *r);
void api_visit_get(req_t *r);

/* ---- 一企一档: enterprises' development plans (plans.c) ----
 * A plan: a category of plan_categories (by its Chinese name), a
 * description, a horizon (this_year | 1_3_years), a year in [this year - 1,
 * this year + 5] (default: this year, or next year for 1_3_years), an
 * amount in 万元 (optional, not negative) and the visit that learnt it.
 * Editors: admins, leaders, the enterprise's officer and the enterprise
 * itself (the rule of editing the enterprise); readers: the staff and the
 * enterprise (its own; another's is 404). */
#define PLAN_DESCRIPTION_MAX 1000
#define PLAN_CATEGORY_MAX 32
#define PLAN_CATEGORY_EN_MAX 64
#define VISIT_MAX_PLANS 20
enum { PLAN_F_CATEGORY = 1u << 0, PLAN_F_DESCRIPTION = 1u << 1, PLAN_F_HORIZON = 1u << 2, PLAN_F_YEAR = 1u << 3,
       PLAN_F_AMOUNT = 1u << 4 };
struct plan_in {
	const char *category, *description, *horizon;
	int64_t year;                       /* 0: the horizon's default */
	int64_t amount_wan;                 /* when has_amount */
	int has_amount;
	int64_t visit_id;                   /* 0: none */
	unsigned has;                       /* PATCH: the PLAN_F_* given */
};
/* [{name, name_en, sort}] in order, or NULL on a database error. */
json_t *plan_categories_json(db_t *db);
/* Add a category (sort < 0: after the last).  422 required/invalid/
 * duplicate with field name or name_en.  0, or -1 with err. */
int plan_category_add(db_t *db, const char *name, const char *name_en, int64_t sort, err_t *err);
/* May u read / change enterprise ent's plans?  0, or -1 with err (404 an
 * enterprise's account for another or no such enterprise, 403). */
int plans_may_read(const user_t *u, int64_t ent, err_t *err);
int plans_may_edit(db_t *db, const user_t *u, int64_t ent, err_t *err);
/* Check p (its year defaulted from the horizon): 422 required/
 * unknown_category (category), invalid (horizon, description),
 * invalid_year (year), negative_amount (amount_wan).  0, or -1. */
int plan_check(db_t *db, struct plan_in *p, int64_t now, err_t *err);
/* Store a checked plan, no permission asked (visit_create asks its own). */
int plan_insert(db_t *db, const user_t *actor, int64_t ent, const struct plan_in *p, int64_t now, int64_t *id,
                err_t *err);
/* Add, change (the PLAN_F_* of in->has), delete; each checks the editor. */
int plan_add(db_t *db, const user_t *actor, int64_t ent, struct plan_in *p, int64_t now, int64_t *id, err_t *err);
int plan_change(db_t *db, arena_t *a, const user_t *actor, int64_t ent, int64_t id, const struct plan_in *in,
                int64_t now, err_t *err);
int plan_remove(db_t *db, const user_t *actor, int64_t ent, int64_t id, err_t *err);
/* Enterprise ent's plans, by year, or NULL on a database error. */
json_t *plans_json(db_t *db, int64_t ent);
/* The plans recorded with a visit, or NULL on a database error. */
json_t *visit_plans_json(db_t *db, int64_t visit);
/* A plan's body {category, description, horizon, year, amount_wan,
 * visit_id} (plan_fields, NULL-terminated) into *p (has: what was given).
 * 0, or -1 after replying. */
extern const char *const plan_fields[];
int plan_body(req_t *r, json_t *o, struct plan_in *p);
void api_plan_categories(req_t *r);
void api_plan_categories_create(req_t *r);
void api_enterprise_plans(req_t *r);
void api_enterprise_plans_create(req_t *r);
void api_enterprise_plan_update(req_t *r);
void api_enterprise_plan_delete(req_t *r);

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
