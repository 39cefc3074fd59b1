/*
 * requests.c -- tracked cases: enterprise requests (诉求, kind 'request')
 * and business-environment inspection findings (营商环境巡察, kind
 * 'inspection'), with their state machines, history and time limits.
 *
 * Requests:
 *   submitted --accept--> accepted --start--> in_progress --resolve--> resolved --close--> closed
 *   accept       assigns a department (department_id) and sets due_on from
 *                the category's time limit counted from today on the
 *                working-day calendar (calendar.c);
 *   escalate     (accepted | in_progress | escalated → escalated) to
 *                level city or province, only upward, with a reason; start
 *                and resolve continue from escalated;
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
 * Who may do what (after visibility: invisible cases are 404):
 *   accept        admin, leader, officer (its enterprises), department (assigned)
 *   start, escalate, wait, resolve   admin, leader, department (assigned)
 *   resume        admin, leader, department, the enterprise
 *   close, reopen admin, leader, officer, the enterprise
 *   rate          the enterprise
 *   inspections: start/submit admin, leader, the responsible department;
 *                verify/reject admin, leader.
 * Statisticians read everything and change nothing; recruiters get 403.
 * An illegal transition is 409 illegal_transition naming the action and
 * the current status.  Every change appends request_events (who, when,
 * action, from/to status, detail JSON).
 */
#include "service.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_REQUEST, K_INSPECTION };

static const char *const KIND_NAME[] = { "request", "inspection" };
static const char *const KIND_A[] = { "a request", "an inspection" };

static const char *const REQ_STATUSES[] = {
	"submitted", "accepted", "in_progress", "escalated", "awaiting_enterprise", "resolved", "closed", NULL,
};
static const char *const INS_STATUSES[] = { "open", "rectifying", "submitted", "verified_closed", NULL };

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

#define R_ALL (ROLE_ADMIN | ROLE_LEADER)

struct action {
	const char *name;
	const char *from;      /* " s1 s2 " */
	int roles;
};

static const struct action REQ_ACTIONS[] = {
	{ "accept", " submitted ", R_ALL | ROLE_OFFICER | ROLE_DEPARTMENT },
	{ "start", " accepted escalated ", R_ALL | ROLE_DEPARTMENT },
	{ "escalate", " accepted in_progress escalated ", R_ALL | ROLE_DEPARTMENT },
	{ "wait", " accepted in_progress escalated ", R_ALL | ROLE_DEPARTMENT },
	{ "resume", " awaiting_enterprise ", R_ALL | ROLE_DEPARTMENT | ROLE_ENTERPRISE },
	{ "resolve", " in_progress escalated ", R_ALL | ROLE_DEPARTMENT },
	{ "close", " resolved ", R_ALL | ROLE_OFFICER | ROLE_ENTERPRISE },
	{ "reopen", " resolved closed ", R_ALL | ROLE_OFFICER | ROLE_ENTERPRISE },
	{ "rate", " resolved closed ", ROLE_ENTERPRISE },
	{ NULL, NULL, 0 },
};
static const struct action INS_ACTIONS[] = {
	{ "start", " open ", R_ALL | ROLE_DEPARTMENT },
	{ "submit", " rectifying ", R_ALL | ROLE_DEPARTMENT },
	{ "verify", " submitted ", R_ALL },
	{ "reject", " submitted ", R_ALL },
	{ NULL, NULL, 0 },
};

static int in_list(const char *const *list, const char *s)
{
	for (int i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static int from_has(const char *from, const char *status)
{
	size_t n = strlen(status);
	for (const char *p = strstr(from, status); p; p = strstr(p + 1, status))
		if (p[-1] == ' ' && p[n] == ' ')
			return 1;
	return 0;
}

static int level_rank(const char *l)
{
	return strcmp(l, "province") == 0 ? 2 : strcmp(l, "city") == 0 ? 1 : 0;
}

static const char *ins_category_name(const char *code, int en)
{
	for (int i = 0; i < NINS_CATEGORIES; i++)
		if (strcmp(INS_CATEGORIES[i].code, code) == 0)
			return en ? INS_CATEGORIES[i].name_en : INS_CATEGORIES[i].name;
	return NULL;
}

/* Text is valid UTF-8 without control characters (multiline allows LF,
 * CR and TAB) and at most max characters. */

static void reply_fe(req_t *r, const err_t *fe)
{
	if (fe->status >= 500) {
		reply_db_error(r, fe->status == 503 ? DB_BUSY : DB_ERR, "saving the request");
		return;
	}
	reply_error(r, fe->status, fe->code, fe->field, "%s", fe->message);
}

static int fe_db(err_t *fe, int rc)
{
	return err_set(fe, rc == DB_BUSY ? 503 : 500, rc == DB_BUSY ? "busy" : "internal", NULL, "database error");
}

/* 1 when a row exists for the id query, 0 none, -1 error. */
static int exists(db_t *db, const char *sql, int64_t id)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* ---- events ---- */

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

/* ---- creating ---- */

int request_create(db_t *db, const user_t *actor, const struct request_in *in, int64_t *id, err_t *fe)
{
	int kind = in->kind && strcmp(in->kind, "inspection") == 0 ? K_INSPECTION : K_REQUEST;
	if (in->kind && strcmp(in->kind, "request") != 0 && strcmp(in->kind, "inspection") != 0)
		return err_set(fe, 422, "invalid", "kind", "kind is request or inspection");
	if (in->title == NULL || *in->title == '\0')
		return err_set(fe, 422, "required", "title", "title is required");
	if (!text_ok(in->title, 200, 0))
		return err_set(fe, 422, "invalid", "title", "the title is one line of at most 200 characters");
	if (!text_ok(in->description, 8000, 1))
		return err_set(fe, 422, "invalid", "description", "the description is text of at most 8000 characters");
	if (in->category == NULL || *in->category == '\0')
		return err_set(fe, 422, "required", "category", "category is required");
	int rc;
	if (kind == K_REQUEST) {
		int found;
		db_stmt_t *st = db_prepare(db, "SELECT count(*) FROM request_categories WHERE code = $1");
		if (st == NULL)
			return fe_db(fe, DB_ERR);
		db_bind_text(st, 1, in->category);
		rc = db_step(st);
		found = rc == DB_ROW && db_col_int(st, 0) > 0;
		db_done(st);
		if (rc != DB_ROW)
			return fe_db(fe, rc);
		if (!found)
			return err_set(fe, 422, "invalid", "category",
			              "unknown category '%.64s' (see GET /api/v1/request-categories)", in->category);
		if (in->enterprise_id <= 0)
			return err_set(fe, 422, "required", "enterprise_id", "enterprise_id is required");
		rc = exists(db, "SELECT 1 FROM enterprises WHERE id = $1", in->enterprise_id);
		if (rc < 0)
			return fe_db(fe, DB_ERR);
		if (rc == 0)
			return err_set(fe, 422, "invalid", "enterprise_id", "no enterprise %lld", (long long)in->enterprise_id);
		if (in->source && !in_list(SOURCES, in->source))
			return err_set(fe, 422, "invalid", "source", "source is one of portal, kiosk, staff, visit, open311");
	} else {
		if (ins_category_name(in->category, 0) == NULL)
			return err_set(fe, 422, "invalid", "category",
			              "category is one of monitoring, service_quality, policy, enforcement, growth, other");
		if (in->department_id <= 0)
			return err_set(fe, 422, "required", "department_id", "department_id (the responsible department) is required");
		if (in->due_on == NULL || *in->due_on == '\0')
			return err_set(fe, 422, "required", "due_on", "due_on (the rectification deadline) is required");
		if (date_parse(in->due_on, NULL) < 0)
			return err_set(fe, 422, "invalid_date", "due_on", "due_on must be a date (YYYY-MM-DD)");
	}
	if (in->department_id > 0) {
		rc = exists(db, "SELECT 1 FROM departments WHERE id = $1", in->department_id);
		if (rc < 0)
			return fe_db(fe, DB_ERR);
		if (rc == 0)
			return err_set(fe, 422, "invalid", "department_id", "no department %lld", (long long)in->department_id);
	}
	if (in->visit_id > 0) {
		rc = exists(db, "SELECT 1 FROM visits WHERE id = $1", in->visit_id);
		if (rc < 0)
			return fe_db(fe, DB_ERR);
		if (rc == 0)
			return err_set(fe, 422, "invalid", "visit_id", "no visit %lld", (long long)in->visit_id);
	}

	const char *status = kind == K_REQUEST ? "submitted" : "open";
	const char *source = kind == K_REQUEST ? (in->source ? in->source : "staff") : "staff";
	int64_t now = now_sec();
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO requests (kind, enterprise_id, category, title, description, source, visit_id, status,"
		" department_id, due_on, created_by, created_at, updated_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id");
	if (st == NULL)
		return fe_db(fe, DB_ERR);
	db_bind_text(st, 1, KIND_NAME[kind]);
	if (kind == K_REQUEST)
		db_bind_int(st, 2, in->enterprise_id);
	else
		db_bind_null(st, 2);
	db_bind_text(st, 3, in->category);
	db_bind_text(st, 4, in->title);
	db_bind_text(st, 5, in->description ? in->description : "");
	db_bind_text(st, 6, source);
	if (in->visit_id > 0)
		db_bind_int(st, 7, in->visit_id);
	else
		db_bind_null(st, 7);
	db_bind_text(st, 8, status);
	if (in->department_id > 0)
		db_bind_int(st, 9, in->department_id);
	else
		db_bind_null(st, 9);
	db_bind_text(st, 10, kind == K_INSPECTION ? in->due_on : "");
	if (actor && actor->id > 0)
		db_bind_int(st, 11, actor->id);
	else
		db_bind_null(st, 11);
	db_bind_int(st, 12, now);
	rc = db_step(st);
	int64_t rid = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc != DB_ROW)
		return fe_db(fe, rc);
	json_t *detail = json_object();
	if (kind == K_REQUEST) {
		json_object_set_new(detail, "source", json_string(source));
		if (in->visit_id > 0)
			json_object_set_new(detail, "visit_id", json_integer(in->visit_id));
	} else {
		json_object_set_new(detail, "due_on", json_string(in->due_on));
	}
	if (in->department_id > 0)
		json_object_set_new(detail, "department_id", json_integer(in->department_id));
	rc = add_event(db, rid, now, actor, "create", "", status, detail);
	if (rc != DB_OK)
		return fe_db(fe, rc);
	*id = rid;
	return 0;
}

/* ---- reading ---- */

struct rq {
	int64_t id, enterprise_id, department_id, rating, resolved_at, closed_at, officer_id;
	int kind;
	const char *status, *category, *level, *accepted_on, *due_on, *paused_since, *evidence, *resolution,
		*rating_comment;
};

/* 1 found, 0 not, -1 error. */
static int load_row(db_t *db, arena_t *a, int64_t id, struct rq *q)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT r.id, r.kind, r.enterprise_id, r.department_id, r.rating, r.resolved_at, r.closed_at, e.officer_id,"
		" r.status, r.category, r.level, r.accepted_on, r.due_on, r.paused_since, r.evidence, r.resolution,"
		" r.rating_comment FROM requests r LEFT JOIN enterprises e ON e.id = r.enterprise_id WHERE r.id = $1");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		memset(q, 0, sizeof *q);
		q->id = db_col_int(st, 0);
		q->kind = strcmp(db_col_text(st, 1), "inspection") == 0 ? K_INSPECTION : K_REQUEST;
		q->enterprise_id = db_col_isnull(st, 2) ? 0 : db_col_int(st, 2);
		q->department_id = db_col_isnull(st, 3) ? 0 : db_col_int(st, 3);
		q->rating = db_col_isnull(st, 4) ? 0 : db_col_int(st, 4);
		q->resolved_at = db_col_isnull(st, 5) ? 0 : db_col_int(st, 5);
		q->closed_at = db_col_isnull(st, 6) ? 0 : db_col_int(st, 6);
		q->officer_id = db_col_isnull(st, 7) ? 0 : db_col_int(st, 7);
		const char **s[] = { &q->status, &q->category, &q->level, &q->accepted_on, &q->due_on, &q->paused_since,
		                     &q->evidence, &q->resolution, &q->rating_comment };
		for (int i = 0; i < 9; i++)
			*s[i] = arena_strdup(a, db_col_text(st, 8 + i));
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

static int row_visible(const user_t *u, const struct rq *q)
{
	if (u == NULL)
		return 0;
	switch (u->role_bit) {
	case ROLE_ADMIN:
	case ROLE_LEADER:
	case ROLE_STATISTICIAN:
		return 1;
	case ROLE_DEPARTMENT:
		return u->department_id > 0 && q->department_id == u->department_id;
	case ROLE_ENTERPRISE:
		return q->kind == K_REQUEST && u->enterprise_id > 0 && q->enterprise_id == u->enterprise_id;
	case ROLE_OFFICER:
		return q->kind == K_REQUEST && q->officer_id == u->id;
	default:
		return 0;
	}
}

int request_visible(req_t *r, int64_t id)
{
	struct rq q;
	int rc = load_row(r->db, r->arena, id, &q);
	if (rc <= 0)
		return rc;
	return row_visible(r->user, &q);
}

#define OVERDUE_EXPR(T) \
	"(r.due_on <> '' AND r.due_on < " T " AND ((r.kind = 'request' AND r.status IN ('accepted', 'in_progress', 'escalated'))" \
	" OR (r.kind = 'inspection' AND r.status <> 'verified_closed')))"

#define RQ_COLUMNS(T) \
	"SELECT r.id, r.kind, r.enterprise_id, e.name AS enterprise_name, e.credit_code, r.category," \
	" c.name AS category_name, r.title, r.description, r.source, r.visit_id, r.status, r.department_id," \
	" d.name AS department_name, r.level, r.accepted_on, r.due_on, r.paused_since, r.resolution, r.evidence," \
	" r.rating, r.rating_comment, r.resolved_at, r.closed_at, r.created_by, u.display_name AS created_by_name," \
	" r.created_at, r.updated_at, CASE WHEN " OVERDUE_EXPR(T) " THEN 1 ELSE 0 END AS overdue" \
	" FROM requests r LEFT JOIN enterprises e ON e.id = r.enterprise_id" \
	" LEFT JOIN request_categories c ON c.code = r.category AND r.kind = 'request'" \
	" LEFT JOIN departments d ON d.id = r.department_id LEFT JOIN users u ON u.id = r.created_by"
#define RQ_TYPES "isisssssssisisssssssisiiisiib"

static json_t *rq_json(db_stmt_t *st)
{
	json_t *o = row_json(st, RQ_TYPES);
	if (strcmp(db_col_text(st, 1), "inspection") == 0) {
		static const char *const drop[] = { "enterprise_id", "enterprise_name", "credit_code", "source", "visit_id",
		                                    "level", "accepted_on", "paused_since", "resolution", "rating",
		                                    "rating_comment", NULL };
		for (int i = 0; drop[i]; i++)
			json_object_del(o, drop[i]);
		const char *cn = ins_category_name(db_col_text(st, 5), 0);
		json_object_set_new(o, "category_name", cn ? json_string(cn) : json_null());
	} else {
		json_object_del(o, "evidence");
	}
	return o;
}

static json_t *allowed_actions(const user_t *u, int kind, const char *status, const char *level)
{
	const struct action *acts = kind == K_REQUEST ? REQ_ACTIONS : INS_ACTIONS;
	json_t *a = json_array();
	for (int i = 0; acts[i].name; i++) {
		if (!(acts[i].roles & u->role_bit) || !from_has(acts[i].from, status))
			continue;
		if (kind == K_REQUEST && strcmp(acts[i].name, "escalate") == 0 && level_rank(level) >= 2)
			continue;
		json_array_append_new(a, json_string(acts[i].name));
	}
	return a;
}

/* The case with its history and the caller's possible actions; NULL on a
 * database error or when it does not exist. */
static json_t *case_json(req_t *r, int64_t id)
{
	char today[11];
	date_today_str(today);
	db_stmt_t *st = db_prepare(r->db, RQ_COLUMNS("$2") " WHERE r.id = $1");
	if (st == NULL)
		return NULL;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, today);
	json_t *o = NULL;
	if (db_step(st) == DB_ROW) {
		o = rq_json(st);
		int kind = strcmp(db_col_text(st, 1), "inspection") == 0 ? K_INSPECTION : K_REQUEST;
		json_object_set_new(o, "allowed_actions",
		                    allowed_actions(r->user, kind, db_col_text(st, 11), db_col_text(st, 14)));
	}
	db_done(st);
	if (o == NULL)
		return NULL;
	st = db_prepare(r->db,
		"SELECT ev.id, ev.at, ev.user_id, ev.username, u.display_name, ev.action, ev.from_status, ev.to_status,"
		" ev.detail FROM request_events ev LEFT JOIN users u ON u.id = ev.user_id"
		" WHERE ev.request_id = $1 ORDER BY ev.id");
	if (st == NULL) {
		json_decref(o);
		return NULL;
	}
	db_bind_int(st, 1, id);
	json_t *hist = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *ev = row_json(st, "iiisssss");
		const char *d = db_col_text(st, 8);
		json_t *dj = NULL;
		if (*d) {
			dj = json_loads(d, 0, NULL);
			if (dj == NULL)
				dj = json_string(d);
		}
		json_object_set_new(ev, "detail", dj ? dj : json_null());
		json_array_append_new(hist, ev);
	}
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(hist);
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "history", hist);
	return o;
}

/* Roles that may read cases of this kind at all; replies 403 otherwise. */
static int may_read(req_t *r, int kind)
{
	int ok = kind == K_REQUEST
	         ? ROLE_ADMIN | ROLE_LEADER | ROLE_STATISTICIAN | ROLE_OFFICER | ROLE_DEPARTMENT | ROLE_ENTERPRISE
	         : ROLE_ADMIN | ROLE_LEADER | ROLE_STATISTICIAN | ROLE_DEPARTMENT;
	if (!(r->user->role_bit & ok)) {
		reply_error(r, 403, "forbidden", NULL, "your role (%s) may not see %ss", r->user->role, KIND_NAME[kind]);
		return 0;
	}
	return 1;
}

static void case_list(req_t *r, int kind)
{
	if (!may_read(r, kind))
		return;
	int64_t limit, offset, dept, ent, overdue, visit;
	if (req_paging(r, &limit, &offset) < 0 || req_query_id(r, "department_id", &dept) < 0 ||
	    req_query_id(r, "enterprise_id", &ent) < 0 || req_query_bool(r, "overdue", &overdue) < 0 ||
	    req_query_id(r, "visit_id", &visit) < 0)
		return;
	const char *status = req_query(r, "status"), *category = req_query(r, "category"), *source = req_query(r, "source");
	if (status && *status == '\0')
		status = NULL;
	if (category && *category == '\0')
		category = NULL;
	if (source && *source == '\0')
		source = NULL;
	if (status && !in_list(kind == K_REQUEST ? REQ_STATUSES : INS_STATUSES, status)) {
		reply_error(r, 422, "invalid_parameter", "status", "unknown status '%.40s' for a %s", status, KIND_NAME[kind]);
		return;
	}
	/* the caller's scope: -1 matches nothing */
	int64_t s_ent = 0, s_dept = 0, s_off = 0;
	const user_t *u = r->user;
	if (u->role_bit == ROLE_ENTERPRISE)
		s_ent = u->enterprise_id > 0 ? u->enterprise_id : -1;
	else if (u->role_bit == ROLE_DEPARTMENT)
		s_dept = u->department_id > 0 ? u->department_id : -1;
	else if (u->role_bit == ROLE_OFFICER)
		s_off = u->id;
	char today[11];
	date_today_str(today);
#define RQ_WHERE \
	" WHERE r.kind = $1" \
	" AND (CAST($2 AS TEXT) IS NULL OR r.status = $2)" \
	" AND (CAST($3 AS TEXT) IS NULL OR r.category = $3)" \
	" AND (CAST($4 AS BIGINT) = 0 OR r.department_id = $4)" \
	" AND (CAST($5 AS BIGINT) = 0 OR r.enterprise_id = $5)" \
	" AND (CAST($6 AS BIGINT) < 0 OR (CASE WHEN " OVERDUE_EXPR("$7") " THEN 1 ELSE 0 END) = $6)" \
	" AND (CAST($8 AS BIGINT) = 0 OR r.enterprise_id = $8)" \
	" AND (CAST($9 AS BIGINT) = 0 OR r.department_id = $9)" \
	" AND (CAST($10 AS BIGINT) = 0 OR e.officer_id = $10)" \
	" AND (CAST($11 AS BIGINT) = 0 OR r.visit_id = $11)" \
	" AND (CAST($12 AS TEXT) IS NULL OR r.source = $12)"
	db_stmt_t *sts[2];
	sts[0] = db_prepare(r->db, "SELECT count(*) FROM requests r LEFT JOIN enterprises e ON e.id = r.enterprise_id" RQ_WHERE);
	sts[1] = db_prepare(r->db, RQ_COLUMNS("$7") RQ_WHERE
	                    " ORDER BY CASE WHEN CAST($6 AS BIGINT) = 1 THEN r.due_on ELSE '' END, r.id DESC"
	                    " LIMIT $13 OFFSET $14");
	if (sts[0] == NULL || sts[1] == NULL) {
		if (sts[0])
			db_done(sts[0]);
		if (sts[1])
			db_done(sts[1]);
		reply_db_error(r, DB_ERR, "listing");
		return;
	}
	for (int i = 0; i < 2; i++) {
		db_stmt_t *st = sts[i];
		db_bind_text(st, 1, KIND_NAME[kind]);
		db_bind_text(st, 2, status);
		db_bind_text(st, 3, category);
		db_bind_int(st, 4, dept);
		db_bind_int(st, 5, ent);
		db_bind_int(st, 6, overdue);
		db_bind_text(st, 7, today);
		db_bind_int(st, 8, s_ent);
		db_bind_int(st, 9, s_dept);
		db_bind_int(st, 10, s_off);
		db_bind_int(st, 11, visit);
		db_bind_text(st, 12, source);
	}
	db_bind_int(sts[1], 13, limit);
	db_bind_int(sts[1], 14, offset);
	int rc = db_step(sts[0]);
	int64_t total = rc == DB_ROW ? db_col_int(sts[0], 0) : 0;
	db_done(sts[0]);
	if (rc != DB_ROW) {
		db_done(sts[1]);
		reply_db_error(r, rc, "counting");
		return;
	}
	json_t *items = json_array();
	while ((rc = db_step(sts[1])) == DB_ROW)
		json_array_append_new(items, rq_json(sts[1]));
	db_done(sts[1]);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing");
		return;
	}
	reply_list(r, items, total, limit, offset);
}

static void case_get(req_t *r, int kind)
{
	if (!may_read(r, kind))
		return;
	int64_t id = req_param_id(r, 0);
	struct rq q;
	int rc = id ? load_row(r->db, r->arena, id, &q) : 0;
	if (rc < 0) {
		reply_db_error(r, DB_ERR, "reading");
		return;
	}
	if (rc == 0 || q.kind != kind || !row_visible(r->user, &q)) {
		reply_error(r, 404, "not_found", "id", "no such %s", KIND_NAME[kind]);
		return;
	}
	json_t *o = case_json(r, id);
	if (o == NULL) {
		reply_db_error(r, DB_ERR, "reading");
		return;
	}
	reply_json(r, 200, o);
}

/* ---- creating through the API ---- */

static void created(req_t *r, int kind, int64_t id)
{
	json_t *o = case_json(r, id);
	if (o == NULL) {
		reply_db_error(r, DB_ERR, "reading back");
		return;
	}
	r->audit_entity = KIND_NAME[kind];
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
	reply_json(r, 201, o);
}

/* Who may raise a request for which enterprise: recruiters and
 * statisticians not at all; an enterprise account for its own enterprise
 * (filled in when absent); an officer for the enterprises it serves; a
 * department's requests are assigned to it; other staff for any existing
 * enterprise.  Shared by the JSON API and Open311.  Returns 0, -1 with
 * *fe, or -2 on a database error. */
int request_check_actor(db_t *db, const user_t *u, struct request_in *in, err_t *fe)
{
	fe->status = 403;
	fe->code = "forbidden";
	fe->field = NULL;
	if (u->role_bit & (ROLE_RECRUITER | ROLE_STATISTICIAN)) {
		snprintf(fe->message, sizeof fe->message, "your role (%s) may not raise requests", u->role);
		return -1;
	}
	if (u->role_bit == ROLE_ENTERPRISE) {
		if (u->enterprise_id <= 0) {
			snprintf(fe->message, sizeof fe->message, "this account is not linked to an enterprise");
			return -1;
		}
		if (in->enterprise_id && in->enterprise_id != u->enterprise_id) {
			fe->field = "enterprise_id";
			snprintf(fe->message, sizeof fe->message, "an enterprise account raises requests for its own enterprise only");
			return -1;
		}
		in->enterprise_id = u->enterprise_id;
		return 0;
	}
	if (in->enterprise_id <= 0) {
		fe->status = 422, fe->code = "required", fe->field = "enterprise_id";
		snprintf(fe->message, sizeof fe->message, "enterprise_id is required");
		return -1;
	}
	int64_t officer = -1;
	db_stmt_t *st = db_prepare(db, "SELECT officer_id FROM enterprises WHERE id = $1");
	db_bind_int(st, 1, in->enterprise_id);
	int rc = db_step(st);
	if (rc == DB_ROW)
		officer = db_col_isnull(st, 0) ? 0 : db_col_int(st, 0);
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return -2;
	if (officer < 0) {
		fe->status = 422, fe->code = "invalid", fe->field = "enterprise_id";
		snprintf(fe->message, sizeof fe->message, "no enterprise %lld", (long long)in->enterprise_id);
		return -1;
	}
	if (u->role_bit == ROLE_OFFICER && officer != u->id) {
		fe->field = "enterprise_id";
		snprintf(fe->message, sizeof fe->message, "an officer raises requests only for the enterprises it serves");
		return -1;
	}
	if (u->role_bit == ROLE_DEPARTMENT)
		in->department_id = u->department_id;
	return 0;
}

void api_requests_create(req_t *r)
{
	const user_t *u = r->user;
	if (u->role_bit & (ROLE_RECRUITER | ROLE_STATISTICIAN)) {
		reply_error(r, 403, "forbidden", NULL, "your role (%s) may not raise requests", u->role);
		return;
	}
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "enterprise_id", "category", "title", "description", "source", NULL };
	if (body_unknown_field(r, o, fields))
		return;
	struct request_in in = { .kind = "request" };
	const char *source = NULL;
	if (body_int(r, o, "enterprise_id", &in.enterprise_id) < 0 || body_str(r, o, "category", &in.category) < 0 ||
	    body_str(r, o, "title", &in.title) < 0 || body_str(r, o, "description", &in.description) < 0 ||
	    body_str(r, o, "source", &source) < 0)
		return;
	if (in.description && utf8_len(in.description) > 4000) {
		reply_error(r, 422, "invalid", "description", "the description is text of at most 4000 characters");
		return;
	}
	if (u->role_bit == ROLE_ENTERPRISE) {
		if (source == NULL || *source == '\0')
			source = "portal";
		if (strcmp(source, "portal") != 0 && strcmp(source, "kiosk") != 0) {
			reply_error(r, 422, "invalid", "source", "source is portal or kiosk for an enterprise account");
			return;
		}
	} else {
		if (source == NULL || *source == '\0')
			source = "staff";
		if (strcmp(source, "staff") != 0) {
			reply_error(r, 422, "invalid", "source", "staff raise requests with source staff (or leave it out)");
			return;
		}
	}
	err_t ae;
	memset(&ae, 0, sizeof ae);
	int arc = request_check_actor(r->db, u, &in, &ae);
	if (arc < 0) {
		if (arc == -2)
			reply_db_error(r, DB_ERR, "reading the enterprise");
		else
			reply_fe(r, &ae);
		return;
	}
	in.source = source;
	err_t fe;
	memset(&fe, 0, sizeof fe);
	int64_t id = 0;
	if (request_create(r->db, u, &in, &id, &fe) < 0) {
		reply_fe(r, &fe);
		return;
	}
	created(r, K_REQUEST, id);
}

void api_inspections_create(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "title", "description", "department_id", "due_on", "category", NULL };
	if (body_unknown_field(r, o, fields))
		return;
	struct request_in in = { .kind = "inspection" };
	if (body_str(r, o, "title", &in.title) < 0 || body_str(r, o, "description", &in.description) < 0 ||
	    body_int(r, o, "department_id", &in.department_id) < 0 || body_str(r, o, "due_on", &in.due_on) < 0 ||
	    body_str(r, o, "category", &in.category) < 0)
		return;
	if (in.description && utf8_len(in.description) > 4000) {
		reply_error(r, 422, "invalid", "description", "the description is text of at most 4000 characters");
		return;
	}
	err_t fe;
	memset(&fe, 0, sizeof fe);
	int64_t id = 0;
	if (request_create(r->db, r->user, &in, &id, &fe) < 0) {
		reply_fe(r, &fe);
		return;
	}
	created(r, K_INSPECTION, id);
}

/* ---- transitions ---- */

struct ev {
	const char *action, *from, *to;
	json_t *detail;
};

static const char *optional_text(req_t *r, json_t *o, const char *key, size_t max, int *bad)
{
	const char *s = NULL;
	if (body_str(r, o, key, &s) < 0) {
		*bad = 1;
		return NULL;
	}
	if (s && !text_ok(s, max, 1)) {
		reply_error(r, 422, "invalid", key, "%s is text of at most %zu characters", key, max);
		*bad = 1;
		return NULL;
	}
	return s && *s ? s : NULL;
}

static void transition(req_t *r, int kind)
{
	const user_t *u = r->user;
	if (u->role_bit & (ROLE_RECRUITER | ROLE_STATISTICIAN) || (kind == K_INSPECTION && u->role_bit == ROLE_OFFICER)) {
		reply_error(r, 403, "forbidden", NULL, "your role (%s) may not change %ss", u->role, KIND_NAME[kind]);
		return;
	}
	int64_t id = req_param_id(r, 0);
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "action", "department_id", "level", "reason", "detail", "resolution",
	                                      "rating", "comment", "evidence", NULL };
	if (body_unknown_field(r, o, fields))
		return;
	const char *action = NULL;
	if (body_str(r, o, "action", &action) < 0)
		return;
	struct rq q;
	int rc = id ? load_row(r->db, r->arena, id, &q) : 0;
	if (rc < 0) {
		reply_db_error(r, DB_ERR, "reading");
		return;
	}
	if (rc == 0 || q.kind != kind || !row_visible(u, &q)) {
		reply_error(r, 404, "not_found", "id", "no such %s", KIND_NAME[kind]);
		return;
	}
	if (action == NULL || *action == '\0') {
		reply_error(r, 422, "required", "action", "action is required");
		return;
	}
	const struct action *acts = kind == K_REQUEST ? REQ_ACTIONS : INS_ACTIONS, *def = NULL;
	for (int i = 0; acts[i].name; i++)
		if (strcmp(acts[i].name, action) == 0)
			def = &acts[i];
	if (def == NULL) {
		reply_error(r, 422, "invalid", "action", "unknown action '%.40s'; %s takes %s", action, KIND_A[kind],
		            kind == K_REQUEST ? "accept, start, escalate, wait, resume, resolve, close, reopen or rate"
		                              : "start, submit, verify or reject");
		return;
	}
	if (!(def->roles & u->role_bit)) {
		reply_error(r, 403, "forbidden", "action", "your role (%s) may not %s %s", u->role, action, KIND_A[kind]);
		return;
	}
	if (!from_has(def->from, q.status)) {
		reply_error(r, 409, "illegal_transition", "action", "cannot %s %s whose status is %s", action, KIND_A[kind],
		            q.status);
		return;
	}

	int bad = 0;
	const char *comment = optional_text(r, o, "comment", 1000, &bad);
	if (bad)
		return;
	char today[11];
	date_today_str(today);
	int64_t now = now_sec();
	struct rq n = q;
	struct ev evs[2];
	int nev = 0;
	json_t *d = json_object();
	evs[0].action = action;
	evs[0].from = q.status;
	evs[0].detail = d;
	nev = 1;
	if (comment)
		json_object_set_new(d, "comment", json_string(comment));

	if (kind == K_REQUEST && strcmp(action, "accept") == 0) {
		int64_t dept = 0;
		if (body_int(r, o, "department_id", &dept) < 0)
			goto fail;
		if (dept == 0 && u->role_bit == ROLE_DEPARTMENT)
			dept = u->department_id;
		if (dept <= 0) {
			reply_error(r, 422, "required", "department_id", "accept needs department_id (the department that handles it)");
			goto fail;
		}
		const char *dname = NULL;
		db_stmt_t *st = db_prepare(r->db, "SELECT name FROM departments WHERE id = $1");
		db_bind_int(st, 1, dept);
		rc = db_step(st);
		if (rc == DB_ROW)
			dname = arena_strdup(r->arena, db_col_text(st, 0));
		db_done(st);
		if (rc != DB_ROW && rc != DB_DONE) {
			reply_db_error(r, rc, "reading the department");
			goto fail;
		}
		if (dname == NULL) {
			reply_error(r, 422, "invalid", "department_id", "no department %lld", (long long)dept);
			goto fail;
		}
		int months = 0, workdays = 0;
		int found = category_limit(r->db, q.category, &months, &workdays);
		if (found < 0) {
			reply_db_error(r, DB_ERR, "reading the category");
			goto fail;
		}
		if (found == 0) {
			reply_error(r, 422, "invalid", "category", "the request's category '%s' no longer exists", q.category);
			goto fail;
		}
		char due[11];
		int missing = 0;
		if (calendar_due(r->db, today, months, workdays, due, &missing) < 0) {
			reply_calendar_missing(r, missing, NULL);
			goto fail;
		}
		n.department_id = dept;
		n.accepted_on = arena_strdup(r->arena, today);
		n.due_on = arena_strdup(r->arena, due);
		n.status = "accepted";
		json_object_set_new(d, "department_id", json_integer(dept));
		json_object_set_new(d, "department", json_string(dname));
		json_object_set_new(d, "due_on", json_string(due));
		json_object_set_new(d, "limit", json_string(months > 0 ? arena_printf(r->arena, "%d个月", months)
		                                                       : arena_printf(r->arena, "%d个工作日", workdays)));
	} else if (kind == K_REQUEST && strcmp(action, "start") == 0) {
		n.status = "in_progress";
	} else if (kind == K_REQUEST && strcmp(action, "escalate") == 0) {
		const char *level = NULL;
		if (body_str(r, o, "level", &level) < 0)
			goto fail;
		const char *reason = optional_text(r, o, "reason", 1000, &bad);
		if (bad)
			goto fail;
		if (level == NULL || *level == '\0') {
			reply_error(r, 422, "required", "level", "escalate needs level: city or province");
			goto fail;
		}
		if (strcmp(level, "city") != 0 && strcmp(level, "province") != 0) {
			reply_error(r, 422, "invalid", "level", "level is city or province");
			goto fail;
		}
		if (level_rank(level) <= level_rank(q.level)) {
			reply_error(r, 422, "invalid", "level", "the request is already at %s level; escalation goes upward only "
			            "(district → city → province)", q.level);
			goto fail;
		}
		if (reason == NULL) {
			reply_error(r, 422, "required", "reason", "escalate needs a reason");
			goto fail;
		}
		n.level = level;
		n.status = "escalated";
		json_object_set_new(d, "from_level", json_string(q.level));
		json_object_set_new(d, "level", json_string(level));
		json_object_set_new(d, "reason", json_string(reason));
	} else if (kind == K_REQUEST && strcmp(action, "wait") == 0) {
		const char *reason = optional_text(r, o, "reason", 1000, &bad);
		if (bad)
			goto fail;
		if (reason == NULL)
			reason = optional_text(r, o, "detail", 1000, &bad);
		if (bad)
			goto fail;
		n.status = "awaiting_enterprise";
		n.paused_since = arena_strdup(r->arena, today);
		json_object_set_new(d, "paused_since", json_string(today));
		if (reason)
			json_object_set_new(d, "reason", json_string(reason));
	} else if (kind == K_REQUEST && strcmp(action, "resume") == 0) {
		const char *back = "in_progress";
		db_stmt_t *st = db_prepare(r->db, "SELECT from_status FROM request_events WHERE request_id = $1"
		                                  " AND action = 'wait' ORDER BY id DESC LIMIT 1");
		db_bind_int(st, 1, q.id);
		rc = db_step(st);
		if (rc == DB_ROW) {
			const char *f = db_col_text(st, 0);
			if (strcmp(f, "accepted") == 0 || strcmp(f, "escalated") == 0)
				back = strcmp(f, "accepted") == 0 ? "accepted" : "escalated";
		}
		db_done(st);
		if (rc != DB_ROW && rc != DB_DONE) {
			reply_db_error(r, rc, "reading the history");
			goto fail;
		}
		int paused = 0, missing = 0;
		if (*q.paused_since) {
			paused = calendar_count_workdays(r->db, q.paused_since, today, &missing);
			if (paused < 0) {
				reply_calendar_missing(r, missing, NULL);
				goto fail;
			}
		}
		if (paused > 0 && *q.due_on) {
			char due[11];
			if (calendar_due(r->db, q.due_on, 0, paused, due, &missing) < 0) {
				reply_calendar_missing(r, missing, NULL);
				goto fail;
			}
			n.due_on = arena_strdup(r->arena, due);
		}
		n.status = back;
		n.paused_since = "";
		json_object_set_new(d, "paused_since", json_string(q.paused_since));
		json_object_set_new(d, "paused_workdays", json_integer(paused));
		json_object_set_new(d, "due_on_before", json_string(q.due_on));
		json_object_set_new(d, "due_on", json_string(n.due_on));
	} else if (kind == K_REQUEST && strcmp(action, "resolve") == 0) {
		const char *res = optional_text(r, o, "resolution", 4000, &bad);
		if (bad)
			goto fail;
		if (res == NULL) {
			reply_error(r, 422, "required", "resolution", "resolve needs the resolution (what was done)");
			goto fail;
		}
		n.status = "resolved";
		n.resolution = res;
		n.resolved_at = now;
		json_object_set_new(d, "resolution", json_string(res));
	} else if (kind == K_REQUEST && strcmp(action, "close") == 0) {
		n.status = "closed";
		n.closed_at = now;
	} else if (kind == K_REQUEST && strcmp(action, "reopen") == 0) {
		const char *reason = optional_text(r, o, "reason", 1000, &bad);
		if (bad)
			goto fail;
		n.status = "in_progress";
		n.resolved_at = 0;
		n.closed_at = 0;
		if (reason)
			json_object_set_new(d, "reason", json_string(reason));
	} else if (kind == K_REQUEST && strcmp(action, "rate") == 0) {
		int64_t rating = 0;
		if (body_int(r, o, "rating", &rating) < 0)
			goto fail;
		if (rating < 1 || rating > 5) {
			reply_error(r, 422, rating ? "invalid" : "required", "rating", "rating is a whole number from 1 to 5");
			goto fail;
		}
		n.rating = rating;
		n.rating_comment = comment ? comment : "";
		json_object_set_new(d, "rating", json_integer(rating));
		evs[0].to = q.status;
		if (rating >= 4 && strcmp(q.status, "resolved") == 0) {
			n.status = "closed";
			n.closed_at = now;
			evs[1] = (struct ev){ "close", q.status, "closed", json_pack("{s:b,s:I}", "automatic", 1, "rating", (json_int_t)rating) };
			nev = 2;
		} else if (rating <= 2) {
			n.status = "in_progress";
			n.resolved_at = 0;
			n.closed_at = 0;
			evs[1] = (struct ev){ "reopen", q.status, "in_progress",
			                      json_pack("{s:b,s:s}", "automatic", 1, "reason",
			                                arena_printf(r->arena, "满意度评价%lld分", (long long)rating)) };
			nev = 2;
		}
	} else if (kind == K_INSPECTION && strcmp(action, "start") == 0) {
		n.status = "rectifying";
	} else if (kind == K_INSPECTION && strcmp(action, "submit") == 0) {
		const char *ev = optional_text(r, o, "evidence", 4000, &bad);
		if (bad)
			goto fail;
		if (ev == NULL) {
			reply_error(r, 422, "required", "evidence", "submit needs the evidence of the rectification");
			goto fail;
		}
		n.status = "submitted";
		n.evidence = ev;
		n.resolved_at = now;
		json_object_set_new(d, "evidence", json_string(ev));
	} else if (kind == K_INSPECTION && strcmp(action, "verify") == 0) {
		n.status = "verified_closed";
		n.closed_at = now;
	} else if (kind == K_INSPECTION && strcmp(action, "reject") == 0) {
		const char *reason = optional_text(r, o, "reason", 1000, &bad);
		if (bad)
			goto fail;
		if (reason == NULL) {
			reply_error(r, 422, "required", "reason", "reject needs a reason");
			goto fail;
		}
		n.status = "rectifying";
		n.resolved_at = 0;
		json_object_set_new(d, "reason", json_string(reason));
	}
	if (strcmp(action, "rate") != 0)
		evs[0].to = n.status;

	db_stmt_t *st = db_prepare(r->db,
		"UPDATE requests SET status = $3, department_id = $4, level = $5, accepted_on = $6, due_on = $7,"
		" paused_since = $8, evidence = $9, resolution = $10, rating = $11, rating_comment = $12,"
		" resolved_at = $13, closed_at = $14, updated_at = $15 WHERE id = $1 AND status = $2");
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "saving");
		goto fail;
	}
	db_bind_int(st, 1, q.id);
	db_bind_text(st, 2, q.status);
	db_bind_text(st, 3, n.status);
	if (n.department_id > 0)
		db_bind_int(st, 4, n.department_id);
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, n.level);
	db_bind_text(st, 6, n.accepted_on);
	db_bind_text(st, 7, n.due_on);
	db_bind_text(st, 8, n.paused_since);
	db_bind_text(st, 9, n.evidence);
	db_bind_text(st, 10, n.resolution);
	if (n.rating > 0)
		db_bind_int(st, 11, n.rating);
	else
		db_bind_null(st, 11);
	db_bind_text(st, 12, n.rating_comment);
	if (n.resolved_at > 0)
		db_bind_int(st, 13, n.resolved_at);
	else
		db_bind_null(st, 13);
	if (n.closed_at > 0)
		db_bind_int(st, 14, n.closed_at);
	else
		db_bind_null(st, 14);
	db_bind_int(st, 15, now);
	rc = db_step(st);
	int64_t changed = rc == DB_DONE ? db_changes(st) : 0;
	db_done(st);
	if (rc != DB_DONE) {
		reply_db_error(r, rc, "saving");
		goto fail;
	}
	if (changed == 0) {
		reply_error(r, 409, "illegal_transition", "action", "cannot %s: the %s changed meanwhile; reload it", action,
		            KIND_NAME[kind]);
		goto fail;
	}
	char *audit = json_dumps(d, JSON_COMPACT);
	for (int i = 0; i < nev; i++) {
		rc = add_event(r->db, q.id, now, u, evs[i].action, evs[i].from, evs[i].to, evs[i].detail);
		evs[i].detail = NULL;
		if (rc != DB_OK) {
			for (int j = i + 1; j < nev; j++)
				json_decref(evs[j].detail);
			free(audit);
			reply_db_error(r, rc, "saving the history");
			return;
		}
	}
	r->audit_entity = KIND_NAME[kind];
	r->audit_id = arena_printf(r->arena, "%lld", (long long)q.id);
	r->audit_action = arena_printf(r->arena, "%s %s", KIND_NAME[kind], action);
	r->audit_detail = arena_printf(r->arena, "{\"action\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"detail\":%s}", action,
	                               q.status, n.status, audit ? audit : "{}");
	free(audit);
	json_t *out = case_json(r, q.id);
	if (out == NULL) {
		reply_db_error(r, DB_ERR, "reading back");
		return;
	}
	reply_json(r, 200, out);
	return;
fail:
	for (int i = 0; i < nev; i++)
		json_decref(evs[i].detail);
}

void api_requests_list(req_t *r)
{
	const char *kind = req_query(r, "kind");
	if (kind && *kind && strcmp(kind, "request") != 0 && strcmp(kind, "inspection") != 0) {
		reply_error(r, 422, "invalid_parameter", "kind", "kind is request or inspection");
		return;
	}
	case_list(r, kind && strcmp(kind, "inspection") == 0 ? K_INSPECTION : K_REQUEST);
}

void api_request_get(req_t *r) { case_get(r, K_REQUEST); }
void api_request_transition(req_t *r) { transition(r, K_REQUEST); }
void api_inspections_list(req_t *r) { case_list(r, K_INSPECTION); }
void api_inspection_get(req_t *r) { case_get(r, K_INSPECTION); }
void api_inspection_transition(req_t *r) { transition(r, K_INSPECTION); }
