/*
 * requests.c -- the workflow of tracked cases: enterprise requests (诉求,
 * kind 'request') and business-environment inspection findings (营商环境
 * 巡察, kind 'inspection'): creating them, their state machines, history
 * and time limits.  No HTTP here: the handlers (requests_api.c), Open311,
 * visits and the demo call these functions with the acting user and the
 * time.
 *
 * Requests:
 *   submitted --accept--> accepted --start--> in_progress --resolve--> resolved --close--> closed
 *   accept       assigns a department (department_id) and sets due_on from
 *                the category's time limit counted from today on the
 *                working-day calendar (calendar.c);
 *                A new request must be accepted by its accept_due_on: the
 *                setting accept_days (working days, default 1) after the
 *                day it was submitted; past it, it is overdue for
 *                acceptance (service.h: REQUEST_OVERDUE_SQL);
 *   escalate     (accepted | in_progress | escalated → escalated) hands
 *                it to a department of the next level (district → city
 *                → province; department_id, with a reason, optionally
 *                the counterpart contacted): the request's department and
 *                level become that department's, due_on restarts from
 *                the category's time limit counted from that day; start
 *                and resolve continue from escalated;
 *   return       (accepted | in_progress | escalated above the district →
 *                in_progress) hands it back down one level, with a note:
 *                to the department that escalated it, or department_id of
 *                the level below; due_on restarts likewise;
 *                every department that held a request is kept
 *                (request_departments): it still sees the request and its
 *                progress but only the one holding it acts; resolve
 *                records the level that solved it (resolved_level);
 *   wait         (accepted | in_progress | escalated → awaiting_enterprise)
 *                pauses the clock (paused_since); resume (staff, or the
 *                enterprise answering) goes back to the status before the
 *                wait and pushes due_on forward by the working days paused;
 *   reopen       (resolved | closed → in_progress) when the enterprise is
 *                not satisfied, by the enterprise or staff;
 *   rate         (resolved | closed; the enterprise only) rating 1-5 and a
 *                comment.  Our choice: a rating of 4 or 5 on a resolved
 *                request also closes it, a rating of 1 or 2 reopens it
 *                (each as its own history event, detail "automatic":true);
 *                3 leaves it for staff to close.  The enterprise can also
 *                reopen explicitly.
 * Inspections:
 *   open --start--> rectifying --submit (evidence)--> submitted --verify--> verified_closed
 *                                     ^------------reject (reason)----------'
 *
 * Who may do what is the action table below (ACTIONS): the statuses an
 * action starts from, the roles that may take it and, for each action,
 * one function that checks its input and applies it.  Before the table,
 * the case must be visible to the actor (invisible cases are 404):
 * admins, leaders and statisticians see all; a department what is
 * assigned to it (or was: held), a street's office also the requests of
 * its street's enterprises (in_street, read only); an enterprise its own
 * requests; an officer the requests of the enterprises it serves (so an
 * officer accepts only for those).  The same table answers which actions a caller may take now
 * (request_actions, shown by GET …/{id} as allowed_actions).  Which roles
 * may reach the endpoints at all is the route table's (routes.c).
 *
 * An illegal transition is 409 illegal_transition naming the action and
 * the current status.  Every change appends request_events (who, when,
 * action, from/to status, detail JSON).
 */
#include "service.h"

#include "notify/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const KIND_NAME[] = { "request", "inspection" };
static const char *const KIND_A[] = { "a request", "an inspection" };

static const char *const STATUSES[2][8] = {
	{ "submitted", "accepted", "in_progress", "escalated", "awaiting_enterprise", "resolved", "closed", NULL },
	{ "open", "rectifying", "submitted", "verified_closed", NULL },
};

static const struct {
	const char *code, *name, *name_en;
} INS_CATEGORIES[] = {
	{ "monitoring", "营商环境监测指标", "Business-environment monitoring indicators" },
	{ "service_quality", "涉企服务质量和服务效能", "Quality and efficiency of services to enterprises" },
	{ "policy", "落实惠企政策", "Implementation of pro-enterprise policies" },
	{ "enforcement", "行政执法工作作风", "Conduct of administrative law enforcement" },
	{ "growth", "培大扶强和企业上市", "Growing leading enterprises and listings" },
	{ "other", "其他", "Other" },
};
#define NINS_CATEGORIES ((int)(sizeof INS_CATEGORIES / sizeof INS_CATEGORIES[0]))

static const char *const SOURCES[] = { "portal", "kiosk", "staff", "visit", "open311", NULL };

static int in_list(const char *const *list, const char *s)
{
	for (int i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

const char *request_kind_name(int kind)
{
	return KIND_NAME[kind == REQ_KIND_INSPECTION];
}

int request_status_known(int kind, const char *status)
{
	return in_list(STATUSES[kind == REQ_KIND_INSPECTION], status);
}

const char *inspection_category_name(const char *code, int en)
{
	for (int i = 0; code && i < NINS_CATEGORIES; i++)
		if (strcmp(INS_CATEGORIES[i].code, code) == 0)
			return en ? INS_CATEGORIES[i].name_en : INS_CATEGORIES[i].name;
	return NULL;
}

static int level_rank(const char *l)
{
	return l && strcmp(l, "province") == 0 ? 2 : l && strcmp(l, "city") == 0 ? 1 : 0;
}

int64_t enterprise_officer(db_t *db, int64_t ent, err_t *err)
{
	int64_t officer = -1;
	db_stmt_t *st = db_prepare(db, "SELECT officer_id FROM enterprises WHERE id = $1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the enterprise");
	db_bind_int(st, 1, ent);
	int rc = db_step(st);
	if (rc == DB_ROW)
		officer = db_col_isnull(st, 0) ? 0 : db_col_int(st, 0);
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_fail(err, db, rc, "reading the enterprise");
	if (officer < 0) {
		err_set(err, 422, "invalid", "enterprise_id", "no enterprise %lld", (long long)ent);
		return err_param(err, "id", "%lld", (long long)ent);
	}
	return officer;
}

int department_known(db_t *db, int64_t id, err_t *err)
{
	int rc = db_exists_id(db, "SELECT 1 FROM departments WHERE id = $1", id);
	if (rc < 0)
		return db_fail(err, db, DB_ERR, "reading the department");
	if (rc == 0) {
		err_set(err, 422, "invalid", "department_id", "no department %lld", (long long)id);
		return err_param(err, "id", "%lld", (long long)id);
	}
	return 0;
}

/* Optional text of at most max characters (multiline): *out is s, or NULL
 * when s is absent or empty; -1 with err when it is too long or has
 * control characters. */
static int note(const char *s, const char *field, size_t max, const char **out, err_t *err)
{
	*out = NULL;
	if (s && !text_ok(s, max, 1)) {
		err_set(err, 422, "invalid", field, "%s is text of at most %zu characters", field, max);
		return err_param(err, "max", "%zu", max);
	}
	*out = s && *s ? s : NULL;
	return 0;
}

/* ---- events ---- */

/* Append one history event; detail (stolen) may be NULL or empty. */
static int add_event(db_t *db, int64_t rid, int64_t at, const user_t *u, const char *action, const char *from,
                     const char *to, json_t *detail)
{
	char *d = NULL;
	if (detail && json_object_size(detail) > 0)
		d = json_dumps(detail, JSON_COMPACT);
	json_decref(detail);
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO request_events (request_id, at, user_id, username, action, from_status, to_status, detail)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
	if (st == NULL) {
		free(d);
		return DB_ERR;
	}
	db_bind_int(st, 1, rid);
	db_bind_int(st, 2, at);
	if (u && u->id > 0)
		db_bind_int(st, 3, u->id);
	else
		db_bind_null(st, 3);
	db_bind_text(st, 4, u && u->username ? u->username : "system");
	db_bind_text(st, 5, action);
	db_bind_text(st, 6, from ? from : "");
	db_bind_text(st, 7, to);
	db_bind_text(st, 8, d ? d : "");
	int rc = db_step(st);
	db_done(st);
	free(d);
	return rc == DB_DONE ? DB_OK : rc;
}

int request_event_add(db_t *db, int64_t rid, int64_t at, const user_t *u, const char *action, const char *from,
                      const char *to, json_t *detail)
{
	return add_event(db, rid, at, u, action, from, to, detail);
}

/* ---- reading ---- */

/* A case as stored: the rules' view and the columns a step changes. */
struct rq {
	struct request_case c;
	int64_t rating, resolved_at, closed_at;
	const char *category, *accepted_on, *due_on, *paused_since, *evidence, *resolution, *rating_comment;
	const char *resolved_level;
	/* due_on = calendar_due(due_from, due_months, due_workdays), provisional
	 * when a year on the way was not loaded (recomputed when it is) */
	const char *due_from;
	int64_t due_months, due_workdays, due_provisional;
};

static int64_t actor_dept(const user_t *u)
{
	return u && u->role_bit == ROLE_DEPARTMENT && u->department_id > 0 ? u->department_id : 0;
}

/* 1 found, 0 not, -1 error; q->c.held says whether the department dept
 * (0: none) held it, q->c.in_street whether it is a request of an
 * enterprise of street (0: none). */
static int load_row(db_t *db, arena_t *a, int64_t id, int64_t dept, int64_t street, struct rq *q)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT r.id, r.kind, r.enterprise_id, r.department_id, r.rating, r.resolved_at, r.closed_at, e.officer_id,"
		" r.status, r.level, r.category, r.accepted_on, r.due_on, r.paused_since, r.evidence, r.resolution,"
		" r.rating_comment, r.resolved_level, r.due_from, r.due_months, r.due_workdays, r.due_provisional,"
		" (SELECT count(*) FROM request_departments rd WHERE rd.request_id = r.id AND rd.department_id = $2),"
		" CASE WHEN " REQUEST_IN_STREET_SQL("r", "e", "$3") " THEN 1 ELSE 0 END"
		" FROM requests r LEFT JOIN enterprises e ON e.id = r.enterprise_id WHERE r.id = $1");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, dept);
	db_bind_int(st, 3, street);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		memset(q, 0, sizeof *q);
		q->c.id = db_col_int(st, 0);
		q->c.kind = strcmp(db_col_text(st, 1), "inspection") == 0 ? REQ_KIND_INSPECTION : REQ_KIND_REQUEST;
		int64_t *ints[] = { &q->c.enterprise_id, &q->c.department_id, &q->rating, &q->resolved_at, &q->closed_at,
		                    &q->c.officer_id };
		for (int i = 0; i < 6; i++)
			*ints[i] = db_col_isnull(st, 2 + i) ? 0 : db_col_int(st, 2 + i);
		const char **s[] = { &q->c.status, &q->c.level, &q->category, &q->accepted_on, &q->due_on, &q->paused_since,
		                     &q->evidence, &q->resolution, &q->rating_comment };
		for (int i = 0; i < 9; i++)
			*s[i] = arena_strdup(a, db_col_text(st, 8 + i));
		q->resolved_level = arena_strdup(a, db_col_text(st, 17));
		q->due_from = arena_strdup(a, db_col_text(st, 18));
		q->due_months = db_col_int(st, 19);
		q->due_workdays = db_col_int(st, 20);
		q->due_provisional = db_col_int(st, 21);
		q->c.held = db_col_int(st, 22) > 0;
		q->c.in_street = db_col_int(st, 23) > 0;
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int request_case_visible(const user_t *u, const struct request_case *c)
{
	if (u == NULL)
		return 0;
	switch (u->role_bit) {
	case ROLE_ADMIN:
	case ROLE_LEADER:
	case ROLE_STATISTICIAN:
		return 1;
	case ROLE_DEPARTMENT:
		return u->department_id > 0 && (c->department_id == u->department_id || c->held || c->in_street);
	case ROLE_ENTERPRISE:
		return c->kind == REQ_KIND_REQUEST && u->enterprise_id > 0 && c->enterprise_id == u->enterprise_id;
	case ROLE_OFFICER:
		return c->kind == REQ_KIND_REQUEST && c->officer_id > 0 && c->officer_id == u->id;
	default:
		return 0;
	}
}

/* Load case id of kind as u sees it into q: 0, or -1 with err. */
static int find_row(db_t *db, arena_t *a, const user_t *u, int kind, int64_t id, struct rq *q, err_t *err)
{
	int rc = id > 0 ? load_row(db, a, id, actor_dept(u), user_street_id(db, u), q) : 0;
	if (rc < 0)
		return db_fail(err, db, DB_ERR, "reading the case");
	if (rc == 0 || q->c.kind != kind || !request_case_visible(u, &q->c))
		return err_set(err, 404, "not_found", "id", "no such %s", KIND_NAME[kind == REQ_KIND_INSPECTION]);
	return 0;
}

int request_find(db_t *db, arena_t *a, const user_t *actor, int kind, int64_t id, struct request_case *c, err_t *err)
{
	struct rq q;
	if (find_row(db, a, actor, kind, id, &q, err) < 0)
		return -1;
	*c = q.c;
	return 0;
}

int request_visible(db_t *db, const user_t *actor, int64_t id)
{
	arena_t *a = arena_new();
	struct rq q;
	int rc = load_row(db, a, id, actor_dept(actor), user_street_id(db, actor), &q);
	if (rc > 0)
		rc = request_case_visible(actor, &q.c);
	arena_free(a);
	return rc;
}

/* ---- notices (issue 13) ----
 * The steps that someone must hear about emit an event (notify.h) in the
 * step's transaction, keyed so that it is sent once: a new request to its
 * enterprise's officer, an accepted one to the department that handles it
 * (and a new inspection finding to the department that rectifies it, and
 * a case a joint meeting hands to its lead department: the same kind,
 * request.assigned, for it is assigned to that department), an
 * escalated one to the receiving department (keyed with the step's time,
 * so that a second escalation notifies again), a rating of 1 or 2 to the
 * officer and the leaders. */

int request_workdays_left(db_t *db, const char *today, const char *due, int64_t *left)
{
	int before = strcmp(due, today) < 0;
	int n = before ? calendar_count_workdays(db, due, today, NULL) : calendar_count_workdays(db, today, due, NULL);
	if (n < 0)
		return -1;
	*left = before ? -n : n;
	return 0;
}

json_t *request_notice_json(int64_t id, const char *kind, const char *title, const char *enterprise,
                            const char *department, const char *due_on, const int64_t *workdays_left)
{
	int ins = strcmp(kind, "inspection") == 0;
	json_t *p = json_pack("{s:s, s:s}", "case", KIND_NAME[ins], "title", title);
	if (p == NULL)
		return NULL;
	json_object_set_new(p, "path", json_sprintf("%s%lld", ins ? "#/inspections/" : "#/requests/", (long long)id));
	if (*enterprise)
		json_object_set_new(p, "enterprise", json_string(enterprise));
	if (*department)
		json_object_set_new(p, "department", json_string(department));
	if (workdays_left) {
		json_object_set_new(p, "due_on", json_string(due_on));
		json_object_set_new(p, "workdays_left", json_integer(*workdays_left));
	}
	return p;
}

json_t *request_notice_payload(db_t *db, int64_t id, const char *due, int64_t now)
{
	db_stmt_t *st = db_prepare(db, "SELECT r.kind, r.title, COALESCE(e.name, ''), r.due_on, COALESCE(d.name, '')"
	                               " FROM requests r LEFT JOIN enterprises e ON e.id = r.enterprise_id"
	                               " LEFT JOIN departments d ON d.id = r.department_id WHERE r.id = $1");
	if (st == NULL)
		return NULL;
	db_bind_int(st, 1, id);
	if (db_step(st) != DB_ROW) {
		db_done(st);
		return NULL;
	}
	/* the row is read before the calendar's query runs */
	char *kind = strdup(db_col_text(st, 0)), *title = strdup(db_col_text(st, 1)), *ent = strdup(db_col_text(st, 2));
	char *dept = strdup(db_col_text(st, 4));
	char dd[DATE_LEN], today[DATE_LEN];
	snprintf(dd, sizeof dd, "%s", due ? due : db_col_text(st, 3));
	db_done(st);
	date_format(date_of_unix(now), today);
	int64_t left;
	int dated = *dd && date_parse(dd, NULL) == DATE_OK;
	json_t *p = NULL;
	if (kind && title && ent && dept && (!dated || request_workdays_left(db, today, dd, &left) == 0))
		p = request_notice_json(id, kind, title, ent, dept, dd, dated ? &left : NULL);
	free(kind);
	free(title);
	free(ent);
	free(dept);
	return p;
}

/* Emit kind about case id (its payload, plus the fields `extra` names
 * from the step's detail d and the actor) to `to` with key.  0, or -1 with
 * err. */
static int case_notify(db_t *db, const char *kind, const char *key, int64_t id, json_t *d, const char *const *extra,
                       const user_t *actor, const struct notify_to *to, int64_t now, err_t *err)
{
	json_t *p = request_notice_payload(db, id, NULL, now);
	if (p == NULL)
		return db_fail(err, db, DB_ERR, "reading the case for its notice");
	for (int i = 0; extra && extra[i]; i++)
		if (json_object_get(d, extra[i]))
			json_object_set(p, extra[i], json_object_get(d, extra[i]));
	if (actor && (actor->display_name || actor->username))
		json_object_set_new(p, "actor", json_string(actor->display_name && *actor->display_name
		                                            ? actor->display_name : actor->username));
	int rc = notify_emit(db, kind, key, "request", id, p, to, now, NULL);
	json_decref(p);
	return rc == DB_OK ? 0 : db_fail(err, db, rc, "recording the notice");
}

/* ---- the steps ---- */

/* One step being taken: the case before (q) and after (n). */
struct step {
	db_t *db;
	arena_t *a;
	const user_t *u;
	const struct request_action_in *in;
	const struct rq *q;
	struct rq n;
	int64_t now;
	char today[DATE_LEN];
	const char *comment;        /* any step's comment, or NULL */
	json_t *d;                  /* the event's detail */
	const char *to;             /* the event's to_status (default n.c.status) */
	const char *auto_action;    /* a second, automatic event (after a rating) */
	json_t *auto_detail;
	err_t *err;
};

/* The date workdays working days (or months months) after from into out,
 * *provisional 1 when it was counted Monday-Friday (a year on the way has
 * no calendar; recomputed when it is loaded).  0, or -1 with err (500). */
static int due_date(db_t *db, const char *from, int months, int workdays, char out[DATE_LEN], int *provisional,
                    err_t *err)
{
	*provisional = 0;
	if (calendar_due(db, from, months, workdays, out, provisional) < 0)
		return db_fail(err, db, DB_ERR, "reading the calendar");
	return 0;
}

/* Restart the request's time limit from today (accept, escalate, return):
 * due_on and its basis from the category's limit, written into the
 * event's detail. */
static int restart_due(struct step *x)
{
	int months = 0, workdays = 0, prov = 0;
	int found = category_limit(x->db, x->q->category, &months, &workdays);
	if (found < 0)
		return db_fail(x->err, x->db, DB_ERR, "reading the category");
	if (found == 0) {
		err_set(x->err, 422, "invalid", "category", "the request's category '%s' no longer exists", x->q->category);
		return err_param(x->err, "category", "%s", x->q->category);
	}
	char due[DATE_LEN];
	if (due_date(x->db, x->today, months, workdays, due, &prov, x->err) < 0)
		return -1;
	x->n.due_on = arena_strdup(x->a, due);
	x->n.due_from = arena_strdup(x->a, x->today);
	x->n.due_months = months;
	x->n.due_workdays = workdays;
	x->n.due_provisional = prov;
	json_object_set_new(x->d, "due_on", json_string(due));
	if (prov)
		json_object_set_new(x->d, "due_provisional", json_true());
	json_object_set_new(x->d, "limit", json_string(months > 0 ? arena_printf(x->a, "%d个月", months)
	                                                          : arena_printf(x->a, "%d个工作日", workdays)));
	return 0;
}

/* Department id's name and level (in x's arena): 0, or -1 with err (422
 * no such department on field, 500). */
static int read_department(struct step *x, int64_t id, const char *field, const char **name, const char **level)
{
	*name = *level = NULL;
	db_stmt_t *st = db_prepare(x->db, "SELECT name, level FROM departments WHERE id = $1");
	if (st == NULL)
		return db_fail(x->err, x->db, DB_ERR, "reading the department");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		*name = arena_strdup(x->a, db_col_text(st, 0));
		*level = arena_strdup(x->a, db_col_text(st, 1));
	}
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_fail(x->err, x->db, rc, "reading the department");
	if (*name == NULL) {
		err_set(x->err, 422, "invalid", field, "no department %lld", (long long)id);
		return err_param(x->err, "id", "%lld", (long long)id);
	}
	return 0;
}

/* Record that department dept holds the request from now on (it keeps
 * read access after handing it on). */
static int hold(struct step *x, int64_t dept)
{
	if (dept <= 0)
		return 0;
	db_stmt_t *st = db_prepare(x->db, "INSERT INTO request_departments (request_id, department_id, since)"
	                                  " VALUES ($1, $2, $3) ON CONFLICT (request_id, department_id) DO NOTHING");
	if (st == NULL)
		return db_fail(x->err, x->db, DB_ERR, "saving the department");
	db_bind_int(st, 1, x->q->c.id);
	db_bind_int(st, 2, dept);
	db_bind_int(st, 3, x->now);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(x->err, x->db, rc, "saving the department");
}

/* Hand the request to department dept (name, level): department, level,
 * the history's detail and, with restart, a time limit restarted from
 * today (a finding keeps its rectification deadline). */
static int hand_over(struct step *x, int64_t dept, const char *name, const char *level, int restart)
{
	if (hold(x, x->q->c.department_id) < 0 || hold(x, dept) < 0)
		return -1;
	if (x->q->c.department_id > 0)
		json_object_set_new(x->d, "from_department_id", json_integer(x->q->c.department_id));
	json_object_set_new(x->d, "from_level", json_string(x->q->c.level));
	json_object_set_new(x->d, "department_id", json_integer(dept));
	json_object_set_new(x->d, "department", json_string(name));
	json_object_set_new(x->d, "level", json_string(level));
	x->n.c.department_id = dept;
	x->n.c.level = level;
	return restart && x->q->c.kind == REQ_KIND_REQUEST ? restart_due(x) : 0;
}

static int do_accept(struct step *x)
{
	int64_t dept = x->in->department_id;
	if (dept == 0 && x->u->role_bit == ROLE_DEPARTMENT)
		dept = x->u->department_id;
	if (dept <= 0)
		return err_set(x->err, 422, "required", "department_id",
		               "accept needs department_id (the department that handles it)");
	const char *dname, *dlevel;
	if (read_department(x, dept, "department_id", &dname, &dlevel) < 0)
		return -1;
	x->n.c.department_id = dept;
	x->n.accepted_on = arena_strdup(x->a, x->today);
	json_object_set_new(x->d, "department_id", json_integer(dept));
	json_object_set_new(x->d, "department", json_string(dname));
	if (hold(x, dept) < 0)
		return -1;
	return restart_due(x);
}

static const char *const LEVELS[] = { "district", "city", "province" };

/* 422 not_next_level: department_id's level is not the one expected. */
static int not_next_level(err_t *err, const char *level, const char *expected)
{
	err_set(err, 422, "not_next_level", "department_id",
	        "the department is at %s level; the request goes to a department of %s level", level, expected);
	err_param(err, "level", "%s", level);
	return err_param(err, "expected", "%s", expected);
}

/* The reason of escalate and return (required). */
static int reason_of(struct step *x, const char *action, const char **reason)
{
	if (note(x->in->reason, "reason", REQUEST_NOTE_MAX, reason, x->err) < 0)
		return -1;
	if (*reason == NULL)
		return err_set(x->err, 422, "required", "reason", "%s needs a reason", action);
	json_object_set_new(x->d, "reason", json_string(*reason));
	return 0;
}

static int do_escalate(struct step *x)
{
	const char *reason, *contact, *name, *level;
	const char *expected = LEVELS[level_rank(x->q->c.level) + 1];   /* below_province: there is one */
	if (x->in->level && *x->in->level && strcmp(x->in->level, expected) != 0) {
		err_set(x->err, 422, "invalid", "level",
		        "the request is at %s level; escalation goes to the next level, %s (district → city → province)",
		        x->q->c.level, expected);
		err_param(x->err, "level", "%s", x->in->level);
		return err_param(x->err, "expected", "%s", expected);
	}
	if (x->in->department_id <= 0)
		return err_set(x->err, 422, "required", "department_id",
		               "escalate needs department_id: a department of %s level", expected);
	if (read_department(x, x->in->department_id, "department_id", &name, &level) < 0)
		return -1;
	if (strcmp(level, expected) != 0)
		return not_next_level(x->err, level, expected);
	if (reason_of(x, "escalate", &reason) < 0 || note(x->in->contact, "contact", REQUEST_NOTE_MAX, &contact, x->err) < 0)
		return -1;
	if (contact)
		json_object_set_new(x->d, "contact", json_string(contact));
	return hand_over(x, x->in->department_id, name, level, 1);
}

/* The department that escalated the request to its department now (0:
 * none known), or -1 on a database error. */
static int64_t escalated_from(struct step *x)
{
	db_stmt_t *st = db_prepare(x->db, "SELECT detail FROM request_events WHERE request_id = $1"
	                                  " AND action = 'escalate' ORDER BY id DESC");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, x->q->c.id);
	int64_t from = 0;
	int rc = DB_DONE;
	while (from == 0 && (rc = db_step(st)) == DB_ROW) {
		json_t *d = json_loads(db_col_text(st, 0), 0, NULL);
		if (json_integer_value(json_object_get(d, "department_id")) == x->q->c.department_id)
			from = json_integer_value(json_object_get(d, "from_department_id"));
		json_decref(d);
	}
	db_done(st);
	return from == 0 && rc != DB_DONE && rc != DB_ROW ? -1 : from;
}

static int do_return(struct step *x)
{
	const char *reason, *name, *level;
	const char *expected = LEVELS[level_rank(x->q->c.level) - 1];   /* above_district: there is one */
	int64_t dept = x->in->department_id;
	if (dept <= 0 && (dept = escalated_from(x)) < 0)
		return db_fail(x->err, x->db, DB_ERR, "reading the history");
	if (dept <= 0)
		return err_set(x->err, 422, "required", "department_id",
		               "return needs department_id: a department of %s level", expected);
	if (read_department(x, dept, "department_id", &name, &level) < 0)
		return -1;
	if (strcmp(level, expected) != 0)
		return not_next_level(x->err, level, expected);
	if (reason_of(x, "return", &reason) < 0)
		return -1;
	return hand_over(x, dept, name, level, 1);
}

static int do_wait(struct step *x)
{
	const char *reason;
	if (note(x->in->reason, "reason", REQUEST_NOTE_MAX, &reason, x->err) < 0)
		return -1;
	if (reason == NULL && note(x->in->detail, "detail", REQUEST_NOTE_MAX, &reason, x->err) < 0)
		return -1;
	x->n.paused_since = arena_strdup(x->a, x->today);
	json_object_set_new(x->d, "paused_since", json_string(x->today));
	if (reason)
		json_object_set_new(x->d, "reason", json_string(reason));
	return 0;
}

/* Back to the status before the wait; due_on moves by the working days
 * paused. */
static int do_resume(struct step *x)
{
	const char *back = "in_progress";
	db_stmt_t *st = db_prepare(x->db, "SELECT from_status FROM request_events WHERE request_id = $1"
	                                  " AND action = 'wait' ORDER BY id DESC LIMIT 1");
	if (st == NULL)
		return db_fail(x->err, x->db, DB_ERR, "reading the history");
	db_bind_int(st, 1, x->q->c.id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		const char *f = db_col_text(st, 0);
		if (strcmp(f, "accepted") == 0 || strcmp(f, "escalated") == 0)
			back = strcmp(f, "accepted") == 0 ? "accepted" : "escalated";
	}
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_fail(x->err, x->db, rc, "reading the history");
	int paused = 0, provisional = 0;
	if (*x->q->paused_since) {
		paused = calendar_count_workdays(x->db, x->q->paused_since, x->today, NULL);
		if (paused < 0)
			return db_fail(x->err, x->db, DB_ERR, "reading the calendar");
	}
	if (paused > 0 && *x->q->due_on) {
		char due[DATE_LEN];
		if (calendar_due(x->db, x->q->due_on, 0, paused, due, &provisional) < 0)
			return db_fail(x->err, x->db, DB_ERR, "reading the calendar");
		x->n.due_on = arena_strdup(x->a, due);
		/* the basis grows by the days paused (a date before migration 13 has
		 * none: the pushed date is its own basis) */
		if (*x->q->due_from)
			x->n.due_workdays = x->q->due_workdays + paused;
		else
			x->n.due_from = x->q->due_on, x->n.due_workdays = paused;
		x->n.due_provisional = x->q->due_provisional || provisional;
	}
	x->n.c.status = back;
	x->n.paused_since = "";
	json_object_set_new(x->d, "paused_since", json_string(x->q->paused_since));
	json_object_set_new(x->d, "paused_workdays", json_integer(paused));
	json_object_set_new(x->d, "due_on_before", json_string(x->q->due_on));
	json_object_set_new(x->d, "due_on", json_string(x->n.due_on));
	return 0;
}

static int do_resolve(struct step *x)
{
	const char *res;
	if (note(x->in->resolution, "resolution", REQUEST_RESULT_MAX, &res, x->err) < 0)
		return -1;
	if (res == NULL)
		return err_set(x->err, 422, "required", "resolution", "resolve needs the resolution (what was done)");
	x->n.resolution = res;
	x->n.resolved_at = x->now;
	x->n.resolved_level = x->q->c.level;
	json_object_set_new(x->d, "resolution", json_string(res));
	return 0;
}

/* close (requests) and verify (inspections): closed now. */
static int do_close(struct step *x)
{
	x->n.closed_at = x->now;
	return 0;
}

static int do_reopen(struct step *x)
{
	const char *reason;
	if (note(x->in->reason, "reason", REQUEST_NOTE_MAX, &reason, x->err) < 0)
		return -1;
	x->n.resolved_at = 0;
	x->n.closed_at = 0;
	x->n.resolved_level = "";
	if (reason)
		json_object_set_new(x->d, "reason", json_string(reason));
	return 0;
}

/* The rating; 4-5 also closes a resolved request, 1-2 reopens it. */
static int do_rate(struct step *x)
{
	int64_t rating = x->in->rating;
	if (rating < 1 || rating > 5)
		return err_set(x->err, 422, rating ? "invalid" : "required", "rating", "rating is a whole number from 1 to 5");
	x->n.rating = rating;
	x->n.rating_comment = x->comment ? x->comment : "";
	json_object_set_new(x->d, "rating", json_integer(rating));
	x->to = x->q->c.status;
	x->n.c.status = x->q->c.status;
	if (rating >= 4 && strcmp(x->q->c.status, "resolved") == 0) {
		x->n.c.status = "closed";
		x->n.closed_at = x->now;
		x->auto_action = "close";
		x->auto_detail = json_pack("{s:b,s:I}", "automatic", 1, "rating", (json_int_t)rating);
	} else if (rating <= 2) {
		x->n.c.status = "in_progress";
		x->n.resolved_at = 0;
		x->n.closed_at = 0;
		x->n.resolved_level = "";
		x->auto_action = "reopen";
		x->auto_detail = json_pack("{s:b,s:s}", "automatic", 1, "reason",
		                           arena_printf(x->a, "满意度评价%lld分", (long long)rating));
	}
	return 0;
}

static int do_submit(struct step *x)
{
	const char *ev;
	if (note(x->in->evidence, "evidence", REQUEST_RESULT_MAX, &ev, x->err) < 0)
		return -1;
	if (ev == NULL)
		return err_set(x->err, 422, "required", "evidence", "submit needs the evidence of the rectification");
	x->n.evidence = ev;
	x->n.resolved_at = x->now;
	json_object_set_new(x->d, "evidence", json_string(ev));
	return 0;
}

static int do_reject(struct step *x)
{
	const char *reason;
	if (note(x->in->reason, "reason", REQUEST_NOTE_MAX, &reason, x->err) < 0)
		return -1;
	if (reason == NULL)
		return err_set(x->err, 422, "required", "reason", "reject needs a reason");
	x->n.resolved_at = 0;
	json_object_set_new(x->d, "reason", json_string(reason));
	return 0;
}

/* A row condition of escalate: there is a level above. */
static int below_province(const struct request_case *c, err_t *err)
{
	if (level_rank(c->level) < 2)
		return 0;
	err_set(err, 422, "invalid", "level",
	        "the request is already at %s level; escalation goes upward only (district → city → province)", c->level);
	return err_param(err, "level", "%s", c->level);
}

/* A row condition of return: there is a level below. */
static int above_district(const struct request_case *c, err_t *err)
{
	if (level_rank(c->level) > 0)
		return 0;
	err_set(err, 422, "invalid", "level", "the request is at district level; there is no level below to return it to");
	return err_param(err, "level", "%s", c->level);
}

/* ---- the action table ---- */

#define R_ALL (ROLE_ADMIN | ROLE_LEADER)

struct action {
	const char *name;
	const char *from;      /* the statuses it starts from: " s1 s2 " */
	const char *to;        /* the status it leads to (do may change it) */
	int roles;
	int (*cond)(const struct request_case *c, err_t *err);   /* a row condition, or NULL */
	int (*run)(struct step *x);                                /* its input and effect, or NULL */
};

static const struct action ACTIONS[2][REQUEST_ACTIONS_MAX + 1] = {
	{
		{ "accept", " submitted ", "accepted", R_ALL | ROLE_OFFICER | ROLE_DEPARTMENT, NULL, do_accept },
		{ "start", " accepted escalated ", "in_progress", R_ALL | ROLE_DEPARTMENT, NULL, NULL },
		{ "escalate", " accepted in_progress escalated ", "escalated", R_ALL | ROLE_DEPARTMENT, below_province,
		  do_escalate },
		{ "return", " accepted in_progress escalated ", "in_progress", R_ALL | ROLE_DEPARTMENT, above_district,
		  do_return },
		{ "wait", " accepted in_progress escalated ", "awaiting_enterprise", R_ALL | ROLE_DEPARTMENT, NULL, do_wait },
		{ "resume", " awaiting_enterprise ", NULL, R_ALL | ROLE_DEPARTMENT | ROLE_ENTERPRISE, NULL, do_resume },
		{ "resolve", " in_progress escalated ", "resolved", R_ALL | ROLE_DEPARTMENT, NULL, do_resolve },
		{ "close", " resolved ", "closed", R_ALL | ROLE_OFFICER | ROLE_ENTERPRISE, NULL, do_close },
		{ "reopen", " resolved closed ", "in_progress", R_ALL | ROLE_OFFICER | ROLE_ENTERPRISE, NULL, do_reopen },
		{ "rate", " resolved closed ", NULL, ROLE_ENTERPRISE, NULL, do_rate },
		{ NULL, NULL, NULL, 0, NULL, NULL },
	},
	{
		{ "start", " open ", "rectifying", R_ALL | ROLE_DEPARTMENT, NULL, NULL },
		{ "submit", " rectifying ", "submitted", R_ALL | ROLE_DEPARTMENT, NULL, do_submit },
		{ "verify", " submitted ", "verified_closed", R_ALL, NULL, do_close },
		{ "reject", " submitted ", "rectifying", R_ALL, NULL, do_reject },
		{ NULL, NULL, NULL, 0, NULL, NULL },
	},
};

static const char *const ACTION_LIST[2] = {
	"accept, start, escalate, return, wait, resume, resolve, close, reopen or rate",
	"start, submit, verify or reject",
};

static int from_has(const char *from, const char *status)
{
	size_t n = strlen(status);
	if (n == 0)
		return 0;
	for (const char *p = strstr(from, status); p; p = strstr(p + 1, status))
		if (p[-1] == ' ' && p[n] == ' ')
			return 1;
	return 0;
}

/* The table's line for action, after checking that u may take it on c
 * now; NULL with err otherwise. */
static const struct action *allowed(const user_t *u, const struct request_case *c, const char *action, err_t *err)
{
	int k = c->kind == REQ_KIND_INSPECTION;
	if (!request_case_visible(u, c)) {
		err_set(err, 404, "not_found", "id", "no such %s", KIND_NAME[k]);
		return NULL;
	}
	if (action == NULL || *action == '\0') {
		err_set(err, 422, "required", "action", "action is required");
		return NULL;
	}
	const struct action *def = NULL;
	for (int i = 0; ACTIONS[k][i].name && def == NULL; i++)
		if (strcmp(ACTIONS[k][i].name, action) == 0)
			def = &ACTIONS[k][i];
	if (def == NULL) {
		err_set(err, 422, "invalid", "action", "unknown action '%.40s'; %s takes %s", action, KIND_A[k], ACTION_LIST[k]);
		err_param(err, "action", "%s", action);
		return NULL;
	}
	if (!(def->roles & u->role_bit)) {
		err_set(err, 403, "forbidden", "action", "your role (%s) may not %s %s", u->role, action, KIND_A[k]);
		err_param(err, "action", "%s", action);
		return NULL;
	}
	if (u->role_bit == ROLE_DEPARTMENT && c->department_id != u->department_id) {
		err_set(err, 403, "forbidden", "action", "the %s is now with another department; you may follow it, not %s it",
		        KIND_NAME[k], action);
		err_param(err, "action", "%s", action);
		return NULL;
	}
	if (!from_has(def->from, c->status)) {
		err_set(err, 409, "illegal_transition", "action", "cannot %s %s whose status is %s", action, KIND_A[k],
		        c->status);
		err_param(err, "action", "%s", action);
		err_param(err, "status", "%s", c->status);
		return NULL;
	}
	if (def->cond && def->cond(c, err) < 0)
		return NULL;
	return def;
}

int request_action_check(const user_t *u, const struct request_case *c, const char *action, err_t *err)
{
	return allowed(u, c, action, err) ? 0 : -1;
}

int request_actions(const user_t *u, const struct request_case *c, const char *out[REQUEST_ACTIONS_MAX])
{
	int k = c->kind == REQ_KIND_INSPECTION, n = 0;
	err_t scratch;
	for (int i = 0; ACTIONS[k][i].name && n < REQUEST_ACTIONS_MAX; i++)
		if (allowed(u, c, ACTIONS[k][i].name, &scratch))
			out[n++] = ACTIONS[k][i].name;
	return n;
}

/* ---- taking a step ---- */

/* The enterprise's notice of a step on its own request that it should
 * know of (its contact e-mail and its accounts' e-mail; its inbox shows
 * the step already): accepted, escalated, waiting for it, resolved,
 * rejected. */
static int enterprise_notify(struct step *x, const char *action)
{
	static const char *const STEPS[] = { "accept", "escalate", "wait", "resolve", "reject", NULL };
	static const char *const EXTRA[] = { "action", "reason", "resolution", NULL };
	const struct rq *n = &x->n;
	if (n->c.kind != REQ_KIND_REQUEST || n->c.enterprise_id <= 0 || !in_list(STEPS, action))
		return 0;
	char key[128];
	snprintf(key, sizeof key, "%s:%lld:%s:%lld", NE_REQUEST_UPDATE, (long long)n->c.id, action, (long long)x->now);
	json_t *d = json_pack("{s:s}", "action", action);
	for (int i = 1; d && EXTRA[i]; i++)
		if (json_object_get(x->d, EXTRA[i]))
			json_object_set(d, EXTRA[i], json_object_get(x->d, EXTRA[i]));
	if (d == NULL)
		return db_fail(x->err, x->db, DB_ERR, "building the enterprise's notice");
	struct notify_to to = { .enterprise_id = n->c.enterprise_id };
	int rc = case_notify(x->db, NE_REQUEST_UPDATE, key, n->c.id, d, EXTRA, NULL, &to, x->now, x->err);
	json_decref(d);
	return rc;
}

/* The notice of step `action` just saved (see "notices" above). */
static int step_notify(struct step *x, const char *action)
{
	if (enterprise_notify(x, action) < 0)
		return -1;
	static const char *const ASSIGNED[] = { "department", NULL }, *const ESCALATED[] = { "department", "reason", NULL },
	                         *const RATED[] = { "rating", "comment", NULL };
	const struct rq *n = &x->n;
	long long id = (long long)n->c.id, now = (long long)x->now;
	struct notify_to to = { .depts = &n->c.department_id, .ndepts = n->c.department_id > 0 };
	const char *kind;
	const char *const *extra;
	char key[128];
	if (strcmp(action, "accept") == 0) {
		kind = NE_REQUEST_ASSIGNED, extra = ASSIGNED;
		snprintf(key, sizeof key, "%s:%lld", kind, id);
	} else if (strcmp(action, "meeting_decided") == 0 && n->c.department_id > 0 &&
	           n->c.department_id != x->q->c.department_id) {
		/* a joint meeting handed it to its lead department (request_take_over) */
		kind = NE_REQUEST_ASSIGNED, extra = ASSIGNED;
		snprintf(key, sizeof key, "%s:%lld:%lld:%lld", kind, id, (long long)n->c.department_id, now);
	} else if (strcmp(action, "escalate") == 0) {
		kind = NE_REQUEST_ESCALATED, extra = ESCALATED;
		snprintf(key, sizeof key, "%s:%lld:%lld:%lld", kind, id, (long long)n->c.department_id, now);
	} else if (strcmp(action, "rate") == 0 && n->rating <= 2) {
		kind = NE_REQUEST_RATED_LOW, extra = RATED;
		to = (struct notify_to){ .users = &n->c.officer_id, .nusers = n->c.officer_id > 0, .leaders = 1 };
		snprintf(key, sizeof key, "%s:%lld:%lld", kind, id, now);
	} else {
		return 0;
	}
	return case_notify(x->db, kind, key, n->c.id, x->d, extra, x->u, &to, x->now, x->err);
}

/* Write n over the row if its status is still q's; 0, or -1 with err. */
static int save_step(struct step *x, const char *action)
{
	const struct rq *n = &x->n;
	db_stmt_t *st = db_prepare(x->db,
		"UPDATE requests SET status = $3, department_id = $4, level = $5, accepted_on = $6, due_on = $7,"
		" paused_since = $8, evidence = $9, resolution = $10, rating = $11, rating_comment = $12,"
		" resolved_at = $13, closed_at = $14, updated_at = $15, due_from = $16, due_months = $17, due_workdays = $18,"
		" due_provisional = $19, resolved_level = $20 WHERE id = $1 AND status = $2");
	if (st == NULL)
		return db_fail(x->err, x->db, DB_ERR, "saving the step");
	db_bind_int(st, 1, x->q->c.id);
	db_bind_text(st, 2, x->q->c.status);
	db_bind_text(st, 3, n->c.status);
	n->c.department_id > 0 ? db_bind_int(st, 4, n->c.department_id) : db_bind_null(st, 4);
	db_bind_text(st, 5, n->c.level);
	db_bind_text(st, 6, n->accepted_on);
	db_bind_text(st, 7, n->due_on);
	db_bind_text(st, 8, n->paused_since);
	db_bind_text(st, 9, n->evidence);
	db_bind_text(st, 10, n->resolution);
	n->rating > 0 ? db_bind_int(st, 11, n->rating) : db_bind_null(st, 11);
	db_bind_text(st, 12, n->rating_comment);
	n->resolved_at > 0 ? db_bind_int(st, 13, n->resolved_at) : db_bind_null(st, 13);
	n->closed_at > 0 ? db_bind_int(st, 14, n->closed_at) : db_bind_null(st, 14);
	db_bind_int(st, 15, x->now);
	db_bind_text(st, 16, n->due_from);
	db_bind_int(st, 17, n->due_months);
	db_bind_int(st, 18, n->due_workdays);
	db_bind_int(st, 19, n->due_provisional != 0);
	db_bind_text(st, 20, n->resolved_level);
	int rc = db_step(st);
	int64_t changed = rc == DB_DONE ? db_changes(st) : 0;
	db_done(st);
	if (rc != DB_DONE)
		return db_fail(x->err, x->db, rc, "saving the step");
	if (changed == 0) {
		err_set(x->err, 409, "illegal_transition", "action", "cannot %s: the %s changed meanwhile; reload it", action,
		        KIND_NAME[x->q->c.kind]);
		return err_param(x->err, "action", "%s", action);
	}
	int k = x->auto_action != NULL;
	rc = add_event(x->db, x->q->c.id, x->now, x->u, action, x->q->c.status, x->to ? x->to : n->c.status,
	               json_incref(x->d));
	if (rc == DB_OK && k)
		rc = add_event(x->db, x->q->c.id, x->now, x->u, x->auto_action, x->q->c.status, n->c.status,
		               json_incref(x->auto_detail));
	return rc == DB_OK ? step_notify(x, action) : db_fail(x->err, x->db, rc, "saving the history");
}

static int take_step(struct step *x, int kind, int64_t id, const char *action, struct rq *q)
{
	if (find_row(x->db, x->a, x->u, kind, id, q, x->err) < 0)
		return -1;
	x->q = q;
	x->n = *q;
	const struct action *def = allowed(x->u, &q->c, action, x->err);
	if (def == NULL)
		return -1;
	if (note(x->in->comment, "comment", REQUEST_NOTE_MAX, &x->comment, x->err) < 0)
		return -1;
	if (x->comment)
		json_object_set_new(x->d, "comment", json_string(x->comment));
	if (def->to)
		x->n.c.status = def->to;
	if (def->run && def->run(x) < 0)
		return -1;
	return save_step(x, action);
}

int request_transition(db_t *db, const user_t *actor, int kind, int64_t id, const char *action,
                       const struct request_action_in *in, int64_t now, struct request_change *out, err_t *err)
{
	static const struct request_action_in none;
	struct step x = { .db = db, .a = arena_new(), .u = actor, .in = in ? in : &none, .now = now, .err = err };
	if (out)
		memset(out, 0, sizeof *out);
	date_format(date_of_unix(now), x.today);
	x.d = json_object();
	struct rq q;
	int rc = take_step(&x, kind, id, action, &q);
	if (rc == 0 && out) {
		snprintf(out->from, sizeof out->from, "%s", q.c.status);
		snprintf(out->to, sizeof out->to, "%s", x.n.c.status);
		out->detail = json_dumps(x.d, JSON_COMPACT);
	}
	json_decref(x.d);
	json_decref(x.auto_detail);
	arena_free(x.a);
	return rc;
}

/* ---- creating ---- */

/* May u raise a request for in->enterprise_id?  Fills in the enterprise
 * (enterprise accounts) and the department (department accounts).  0, or
 * -1 with err. */
static int check_actor(db_t *db, const user_t *u, struct request_in *in, err_t *err)
{
	if (u->role_bit & (ROLE_RECRUITER | ROLE_STATISTICIAN))
		return err_set(err, 403, "forbidden", NULL, "your role (%s) may not raise requests", u->role);
	if (u->role_bit == ROLE_ENTERPRISE) {
		if (u->enterprise_id <= 0)
			return err_set(err, 403, "forbidden", NULL, "this account is not linked to an enterprise");
		if (in->enterprise_id && in->enterprise_id != u->enterprise_id)
			return err_set(err, 403, "forbidden", "enterprise_id",
			               "an enterprise account raises requests for its own enterprise only");
		in->enterprise_id = u->enterprise_id;
		return 0;
	}
	if (in->enterprise_id <= 0)
		return err_set(err, 422, "required", "enterprise_id", "enterprise_id is required");
	int64_t officer = enterprise_officer(db, in->enterprise_id, err);
	if (officer < 0)
		return -1;
	if (u->role_bit == ROLE_OFFICER && officer != u->id)
		return err_set(err, 403, "forbidden", "enterprise_id",
		               "an officer raises requests only for the enterprises it serves");
	if (u->role_bit == ROLE_DEPARTMENT && !enterprise_in_scope(db, u, in->enterprise_id))   /* a street's office */
		return err_set(err, 403, "forbidden", "enterprise_id",
		               "a street's office raises requests only for the enterprises of its street");
	if (u->role_bit == ROLE_DEPARTMENT)
		in->department_id = u->department_id;
	return 0;
}

/* The fields every case has. */
static int check_common(const struct request_in *in, err_t *err)
{
	if (in->title == NULL || *in->title == '\0')
		return err_set(err, 422, "required", "title", "title is required");
	if (!text_ok(in->title, REQUEST_TITLE_MAX, 0)) {
		err_set(err, 422, "invalid", "title", "the title is one line of at most %d characters", REQUEST_TITLE_MAX);
		return err_param(err, "max", "%d", REQUEST_TITLE_MAX);
	}
	if (!text_ok(in->description, REQUEST_DESCRIPTION_MAX, 1)) {
		err_set(err, 422, "invalid", "description", "the description is text of at most %d characters",
		        REQUEST_DESCRIPTION_MAX);
		return err_param(err, "max", "%d", REQUEST_DESCRIPTION_MAX);
	}
	if (!text_ok(in->appendix, REQUEST_DESCRIPTION_MAX, 1))
		return err_set(err, 422, "invalid", "description",
		               "the contact and location fields are text of at most %d characters", REQUEST_DESCRIPTION_MAX);
	if (in->category == NULL || *in->category == '\0')
		return err_set(err, 422, "required", "category", "category is required");
	return 0;
}

/* A request's own fields (after check_actor, which checked the enterprise). */
static int check_request(db_t *db, const struct request_in *in, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT count(*) FROM request_categories WHERE code = $1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the categories");
	db_bind_text(st, 1, in->category);
	int rc = db_step(st);
	int found = rc == DB_ROW && db_col_int(st, 0) > 0;
	db_done(st);
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "reading the categories");
	if (!found) {
		err_set(err, 422, "invalid", "category", "unknown category '%.64s' (see GET /api/v1/request-categories)",
		        in->category);
		return err_param(err, "category", "%s", in->category);
	}
	if (in->source && !in_list(SOURCES, in->source))
		return err_set(err, 422, "invalid", "source", "source is one of portal, kiosk, staff, visit, open311");
	return 0;
}

/* An inspection's own fields. */
static int check_inspection(const struct request_in *in, err_t *err)
{
	if (inspection_category_name(in->category, 0) == NULL)
		return err_set(err, 422, "invalid", "category",
		               "category is one of monitoring, service_quality, policy, enforcement, growth, other");
	if (in->department_id <= 0)
		return err_set(err, 422, "required", "department_id", "department_id (the responsible department) is required");
	if (in->due_on == NULL || *in->due_on == '\0')
		return err_set(err, 422, "required", "due_on", "due_on (the rectification deadline) is required");
	if (date_parse(in->due_on, NULL) < 0)
		return err_set(err, 422, "invalid_date", "due_on", "due_on must be a date (YYYY-MM-DD)");
	return 0;
}

/* The department and visit named exist. */
static int check_refs(db_t *db, const struct request_in *in, err_t *err)
{
	if (in->department_id > 0 && department_known(db, in->department_id, err) < 0)
		return -1;
	if (in->visit_id <= 0)
		return 0;
	int rc = db_exists_id(db, "SELECT 1 FROM visits WHERE id = $1", in->visit_id);
	if (rc < 0)
		return db_fail(err, db, DB_ERR, "reading the visit");
	if (rc == 0) {
		err_set(err, 422, "invalid", "visit_id", "no visit %lld", (long long)in->visit_id);
		return err_param(err, "id", "%lld", (long long)in->visit_id);
	}
	return 0;
}

/* The last day to accept a request submitted at now: the setting
 * accept_days (working days, default 1) after that day, into out ("" when
 * it cannot be computed). */
static void accept_due(db_t *db, int64_t now, char out[DATE_LEN], int *provisional)
{
	char *v = setting_get(db, "accept_days"), today[DATE_LEN];
	int days = v ? atoi(v) : 1;
	free(v);
	err_t e;
	date_format(date_of_unix(now), today);
	if (due_date(db, today, 0, days > 0 ? days : 1, out, provisional, &e) < 0)
		out[0] = '\0';
}

static int insert_case(db_t *db, const user_t *actor, const struct request_in *in, int kind, int64_t now,
                       int64_t *id, err_t *err)
{
	char accept_by[DATE_LEN] = "";
	int accept_prov = 0;
	if (kind == REQ_KIND_REQUEST)
		accept_due(db, now, accept_by, &accept_prov);
	char *desc = NULL;
	const char *d = in->description ? in->description : "";
	if (in->appendix && *in->appendix) {
		size_t n = strlen(d) + strlen(in->appendix) + 3;
		desc = malloc(n);
		if (desc == NULL)
			return err_set(err, 500, "internal", NULL, "out of memory");
		snprintf(desc, n, "%s%s%s", d, *d ? "\n\n" : "", in->appendix);
		d = desc;
	}
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO requests (kind, enterprise_id, category, title, description, source, visit_id, status,"
		" department_id, due_on, created_by, created_at, updated_at, accept_due_on, accept_due_provisional)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14) RETURNING id");
	if (st == NULL) {
		free(desc);
		return db_fail(err, db, DB_ERR, "saving the case");
	}
	db_bind_text(st, 1, KIND_NAME[kind]);
	kind == REQ_KIND_REQUEST ? db_bind_int(st, 2, in->enterprise_id) : db_bind_null(st, 2);
	db_bind_text(st, 3, in->category);
	db_bind_text(st, 4, in->title);
	db_bind_text(st, 5, d);
	db_bind_text(st, 6, kind == REQ_KIND_REQUEST && in->source ? in->source : "staff");
	in->visit_id > 0 ? db_bind_int(st, 7, in->visit_id) : db_bind_null(st, 7);
	db_bind_text(st, 8, STATUSES[kind][0]);
	in->department_id > 0 ? db_bind_int(st, 9, in->department_id) : db_bind_null(st, 9);
	db_bind_text(st, 10, kind == REQ_KIND_INSPECTION ? in->due_on : "");
	actor && actor->id > 0 ? db_bind_int(st, 11, actor->id) : db_bind_null(st, 11);
	db_bind_int(st, 12, now);
	db_bind_text(st, 13, accept_by);
	db_bind_int(st, 14, accept_prov);
	int rc = db_step(st);
	*id = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	free(desc);
	return rc == DB_ROW ? 0 : db_fail(err, db, rc, "saving the case");
}

/* The notice of a new case: a request to its enterprise's officer, a
 * finding to the department that rectifies it. */
static int created_notify(db_t *db, const user_t *actor, const struct request_in *in, int kind, int64_t id,
                          int64_t now, err_t *err)
{
	int64_t officer = kind == REQ_KIND_REQUEST ? enterprise_officer(db, in->enterprise_id, err) : 0;
	if (officer < 0)
		return -1;
	struct notify_to to = { .users = &officer, .nusers = officer > 0, .depts = &in->department_id,
	                        .ndepts = kind == REQ_KIND_INSPECTION && in->department_id > 0 };
	if (to.nusers + to.ndepts == 0)
		return 0;
	const char *ne = kind == REQ_KIND_REQUEST ? NE_REQUEST_SUBMITTED : NE_REQUEST_ASSIGNED;
	char key[64];
	snprintf(key, sizeof key, "%s:%lld", ne, (long long)id);
	return case_notify(db, ne, key, id, NULL, NULL, actor, &to, now, err);
}

int request_create(db_t *db, const user_t *actor, const struct request_in *in0, int64_t now, int64_t *id, err_t *err)
{
	struct request_in in = *in0;
	if (in.kind && strcmp(in.kind, "request") != 0 && strcmp(in.kind, "inspection") != 0)
		return err_set(err, 422, "invalid", "kind", "kind is request or inspection");
	int kind = in.kind && strcmp(in.kind, "inspection") == 0 ? REQ_KIND_INSPECTION : REQ_KIND_REQUEST;
	if (kind == REQ_KIND_REQUEST && check_actor(db, actor, &in, err) < 0)
		return -1;
	if (kind == REQ_KIND_REQUEST && in.source == NULL)
		in.source = "staff";
	if (check_common(&in, err) < 0 ||
	    (kind == REQ_KIND_REQUEST ? check_request(db, &in, err) : check_inspection(&in, err)) < 0 ||
	    check_refs(db, &in, err) < 0)
		return -1;
	int64_t rid = 0;
	if (insert_case(db, actor, &in, kind, now, &rid, err) < 0)
		return -1;
	json_t *detail = json_object();
	if (kind == REQ_KIND_REQUEST) {
		json_object_set_new(detail, "source", json_string(in.source));
		if (in.visit_id > 0)
			json_object_set_new(detail, "visit_id", json_integer(in.visit_id));
	} else {
		json_object_set_new(detail, "due_on", json_string(in.due_on));
	}
	if (in.department_id > 0)
		json_object_set_new(detail, "department_id", json_integer(in.department_id));
	int rc = add_event(db, rid, now, actor, "create", "", STATUSES[kind][0], detail);
	if (rc != DB_OK)
		return db_fail(err, db, rc, "saving the history");
	if (created_notify(db, actor, &in, kind, rid, now, err) < 0)
		return -1;
	*id = rid;
	return 0;
}

/* ---- a joint meeting's decision (meetings.c) ---- */

int request_take_over(db_t *db, const user_t *actor, int64_t id, int64_t dept, const char *action, json_t *detail,
                      int64_t now, err_t *err)
{
	static const struct request_action_in none;
	struct step x = { .db = db, .a = arena_new(), .u = actor, .in = &none, .now = now, .err = err };
	date_format(date_of_unix(now), x.today);
	x.d = detail ? detail : json_object();
	struct rq q;
	int rc = load_row(db, x.a, id, 0, 0, &q);
	if (rc < 0)
		rc = db_fail(err, db, DB_ERR, "reading the case");
	else if (rc == 0)
		rc = err_set(err, 404, "not_found", "request_id", "no such request");
	else {
		x.q = &q;
		x.n = q;
		int open = q.c.kind == REQ_KIND_REQUEST ? !from_has(" resolved closed ", q.c.status)
		                                        : strcmp(q.c.status, "verified_closed") != 0;
		const char *name, *level;
		rc = 0;
		if (open && dept > 0) {
			rc = read_department(&x, dept, "lead_department_id", &name, &level);
			/* the lead department accepts a request not accepted yet: its time
			 * limit starts; any other keeps the limit it has */
			int accept = q.c.kind == REQ_KIND_REQUEST && strcmp(q.c.status, "submitted") == 0;
			if (rc == 0 && accept) {
				x.n.c.status = "accepted";
				x.n.accepted_on = arena_strdup(x.a, x.today);
			}
			if (rc == 0)
				rc = hand_over(&x, dept, name, level, accept);
		}
		if (rc == 0)
			rc = save_step(&x, action);
	}
	json_decref(x.d);
	json_decref(x.auto_detail);
	arena_free(x.a);
	return rc;
}
