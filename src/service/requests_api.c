/*
 * requests_api.c -- the HTTP handlers of requests (诉求) and inspection
 * findings (营商环境巡察): lists, one case with its history and the
 * actions the caller may take now, creating, and the steps.  They parse
 * the JSON body into the domain's input, call requests.c and answer; the
 * rules live there.  Which roles reach these routes is the route table's
 * (routes.c); the handlers scope the rows (an enterprise its own, an
 * officer its enterprises', a department what is assigned to it).
 */
#include "service.h"

#include <stdlib.h>
#include <string.h>

#define OVERDUE_EXPR(T) REQUEST_OVERDUE_SQL("r", T)

#define RQ_COLUMNS(T) \
	"SELECT r.id, r.kind, r.enterprise_id, e.name AS enterprise_name, e.credit_code, r.category," \
	" c.name AS category_name, r.title, r.description, r.source, r.visit_id, r.status, r.department_id," \
	" d.name AS department_name, r.level, r.accepted_on, r.due_on, r.paused_since, r.resolution, r.evidence," \
	" r.rating, r.rating_comment, r.resolved_at, r.closed_at, r.created_by, u.display_name AS created_by_name," \
	" r.created_at, r.updated_at, CASE WHEN " OVERDUE_EXPR(T) " THEN 1 ELSE 0 END AS overdue," \
	" r.accept_due_on, CASE WHEN " REQUEST_ACCEPT_OVERDUE_SQL("r", T) " THEN 1 ELSE 0 END AS accept_overdue," \
	" r.accept_due_provisional, r.due_provisional, r.resolved_level" \
	" FROM requests r LEFT JOIN enterprises e ON e.id = r.enterprise_id" \
	" LEFT JOIN request_categories c ON c.code = r.category AND r.kind = 'request'" \
	" LEFT JOIN departments d ON d.id = r.department_id LEFT JOIN users u ON u.id = r.created_by"
#define RQ_TYPES "isisssssssisisssssssisiiisiibsbbbs"

static json_t *rq_json(db_stmt_t *st)
{
	json_t *o = row_json(st, RQ_TYPES);
	if (strcmp(db_col_text(st, 1), "inspection") == 0) {
		static const char *const drop[] = { "enterprise_id", "enterprise_name", "credit_code", "source", "visit_id",
		                                    "level", "accepted_on", "paused_since", "resolution", "rating",
		                                    "rating_comment", "accept_due_on", "accept_overdue",
		                                    "accept_due_provisional", "resolved_level", NULL };
		for (int i = 0; drop[i]; i++)
			json_object_del(o, drop[i]);
		const char *cn = inspection_category_name(db_col_text(st, 5), 0);
		json_object_set_new(o, "category_name", cn ? json_string(cn) : json_null());
	} else {
		json_object_del(o, "evidence");
	}
	return o;
}

/* The actions r's caller may take on case id now ([] when it may no
 * longer see it); NULL on a database error. */
static json_t *actions_json(req_t *r, int kind, int64_t id)
{
	struct request_case c;
	err_t e;
	json_t *a = json_array();
	if (request_find(r->db, r->arena, r->user, kind, id, &c, &e) < 0) {
		if (e.status < 500)
			return a;
		json_decref(a);
		return NULL;
	}
	const char *names[REQUEST_ACTIONS_MAX];
	int n = request_actions(r->user, &c, names);
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

/* The history of case id; NULL on a database error. */
static json_t *history_json(req_t *r, int64_t id)
{
	db_stmt_t *st = db_prepare(r->db,
		"SELECT ev.id, ev.at, ev.user_id, ev.username, u.display_name, ev.action, ev.from_status, ev.to_status,"
		" ev.detail FROM request_events ev LEFT JOIN users u ON u.id = ev.user_id"
		" WHERE ev.request_id = $1 ORDER BY ev.id");
	if (st == NULL)
		return NULL;
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
		return NULL;
	}
	return hist;
}

/* The departments that held case id, earliest first; NULL on a database
 * error. */
static json_t *departments_json(req_t *r, int64_t id)
{
	return rows_json_by_id(r->db,
		"SELECT d.id, d.name, d.name_en, d.level, rd.since FROM request_departments rd"
		" JOIN departments d ON d.id = rd.department_id WHERE rd.request_id = $1 ORDER BY rd.since, d.id",
		id, "isssi");
}

/* The case with its history and the caller's possible actions; NULL on a
 * database error or when it does not exist. */
static json_t *case_json(req_t *r, int kind, int64_t id)
{
	char today[DATE_LEN];
	date_today_str(today);
	db_stmt_t *st = db_prepare(r->db, RQ_COLUMNS("$2") " WHERE r.id = $1");
	if (st == NULL)
		return NULL;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, today);
	json_t *o = db_step(st) == DB_ROW ? rq_json(st) : NULL;
	db_done(st);
	if (o == NULL)
		return NULL;
	json_t *acts = actions_json(r, kind, id), *hist = acts ? history_json(r, id) : NULL;
	json_t *depts = hist ? departments_json(r, id) : NULL;
	if (depts == NULL) {
		json_decref(acts);
		json_decref(hist);
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "departments", depts);
	json_object_set_new(o, "allowed_actions", acts);
	json_object_set_new(o, "history", hist);
	return o;
}

/* ---- lists ---- */

static void case_list(req_t *r, int kind)
{
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
	if (status && !request_status_known(kind, status)) {
		reply_error(r, 422, "invalid_parameter", "status", "unknown status '%.40s' for a %s", status,
		            request_kind_name(kind));
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
	int64_t s_street = user_street_id(r->db, u);   /* a street's office: also its street's requests */
	char today[DATE_LEN];
	date_today_str(today);
#define RQ_WHERE \
	" WHERE r.kind = $1" \
	" AND (CAST($2 AS TEXT) IS NULL OR r.status = $2)" \
	" AND (CAST($3 AS TEXT) IS NULL OR r.category = $3)" \
	" AND (CAST($4 AS BIGINT) = 0 OR r.department_id = $4)" \
	" AND (CAST($5 AS BIGINT) = 0 OR r.enterprise_id = $5)" \
	" AND (CAST($6 AS BIGINT) < 0 OR (CASE WHEN " OVERDUE_EXPR("$7") " THEN 1 ELSE 0 END) = $6)" \
	" AND (CAST($8 AS BIGINT) = 0 OR r.enterprise_id = $8)" \
	" AND (CAST($9 AS BIGINT) = 0 OR r.department_id = $9 OR EXISTS (SELECT 1 FROM request_departments rd" \
	"  WHERE rd.request_id = r.id AND rd.department_id = $9) OR " REQUEST_IN_STREET_SQL("r", "e", "$13") ")" \
	" AND (CAST($10 AS BIGINT) = 0 OR e.officer_id = $10)" \
	" AND (CAST($11 AS BIGINT) = 0 OR r.visit_id = $11)" \
	" AND (CAST($12 AS TEXT) IS NULL OR r.source = $12)"
	db_stmt_t *sts[2];
	sts[0] = db_prepare(r->db, "SELECT count(*) FROM requests r LEFT JOIN enterprises e ON e.id = r.enterprise_id" RQ_WHERE);
	sts[1] = db_prepare(r->db, RQ_COLUMNS("$7") RQ_WHERE
	                    " ORDER BY CASE WHEN CAST($6 AS BIGINT) = 1 THEN (CASE WHEN r.status = 'submitted'"
	                    " THEN r.accept_due_on ELSE r.due_on END) ELSE '' END, r.id DESC"
	                    " LIMIT $14 OFFSET $15");
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
		db_bind_text(st, 1, request_kind_name(kind));
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
		db_bind_int(st, 13, s_street);
	}
	db_bind_int(sts[1], 14, limit);
	db_bind_int(sts[1], 15, offset);
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

/* GET /api/v1/requests?kind=inspection lists the findings as GET
 * /api/v1/inspections does, to the roles its line of the route table
 * lets in. */
static int may_list_inspections(const user_t *u)
{
	for (int i = 0; i < nroutes; i++)
		if (routes[i].handler == api_inspections_list)
			return (routes[i].perm & u->role_bit) != 0;
	return 0;
}

void api_requests_list(req_t *r)
{
	const char *kind = req_query(r, "kind");
	if (kind && *kind && strcmp(kind, "request") != 0 && strcmp(kind, "inspection") != 0) {
		reply_error(r, 422, "invalid_parameter", "kind", "kind is request or inspection");
		return;
	}
	if (kind && strcmp(kind, "inspection") == 0) {
		if (!may_list_inspections(r->user)) {
			reply_error(r, 403, "forbidden", "kind", "your role (%s) may not see inspections", r->user->role);
			return;
		}
		case_list(r, REQ_KIND_INSPECTION);
		return;
	}
	case_list(r, REQ_KIND_REQUEST);
}

void api_inspections_list(req_t *r) { case_list(r, REQ_KIND_INSPECTION); }

/* ---- one case ---- */

static void case_get(req_t *r, int kind)
{
	int64_t id = req_param_id(r, 0);
	struct request_case c;
	err_t e;
	if (request_find(r->db, r->arena, r->user, kind, id, &c, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	json_t *o = case_json(r, kind, id);
	if (o == NULL) {
		reply_db_error(r, DB_ERR, "reading");
		return;
	}
	reply_json(r, 200, o);
}

void api_request_get(req_t *r) { case_get(r, REQ_KIND_REQUEST); }
void api_inspection_get(req_t *r) { case_get(r, REQ_KIND_INSPECTION); }

/* ---- creating ---- */

static void created(req_t *r, int kind, int64_t id)
{
	json_t *o = case_json(r, kind, id);
	if (o == NULL) {
		reply_db_error(r, DB_ERR, "reading back");
		return;
	}
	r->audit_entity = request_kind_name(kind);
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
	reply_json(r, 201, o);
}

/* Create in as r's caller and answer 201 with the case. */
static void create(req_t *r, const struct request_in *in, int kind)
{
	err_t e;
	int64_t id = 0;
	if (request_create(r->db, r->user, in, now_sec(), &id, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	created(r, kind, id);
}

void api_requests_create(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "enterprise_id", "category", "title", "description", "source", NULL };
	if (body_unknown_field(r, o, fields))
		return;
	struct request_in in = { .kind = "request" };
	if (body_int(r, o, "enterprise_id", &in.enterprise_id) < 0 || body_str(r, o, "category", &in.category) < 0 ||
	    body_str(r, o, "title", &in.title) < 0 || body_str(r, o, "description", &in.description) < 0 ||
	    body_str(r, o, "source", &in.source) < 0)
		return;
	/* through this API an enterprise raises from the portal or the kiosk,
	 * staff as staff (visits and Open311 have their own doors) */
	int ent = r->user->role_bit == ROLE_ENTERPRISE;
	if (in.source == NULL || *in.source == '\0')
		in.source = ent ? "portal" : "staff";
	if (ent && strcmp(in.source, "portal") != 0 && strcmp(in.source, "kiosk") != 0) {
		reply_error(r, 422, "invalid", "source", "source is portal or kiosk for an enterprise account");
		return;
	}
	if (!ent && strcmp(in.source, "staff") != 0) {
		reply_error(r, 422, "invalid", "source", "staff raise requests with source staff (or leave it out)");
		return;
	}
	create(r, &in, REQ_KIND_REQUEST);
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
	create(r, &in, REQ_KIND_INSPECTION);
}

/* ---- steps ---- */

/* The body of a step as the domain's input; 0, or -1 after replying. */
static int action_body(req_t *r, const char **action, struct request_action_in *in)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return -1;
	static const char *const fields[] = { "action", "department_id", "level", "reason", "detail", "resolution",
	                                      "rating", "comment", "evidence", "contact", NULL };
	if (body_unknown_field(r, o, fields))
		return -1;
	const struct {
		const char *key, **out;
	} strs[] = {
		{ "action", action }, { "level", &in->level }, { "reason", &in->reason }, { "detail", &in->detail },
		{ "resolution", &in->resolution }, { "comment", &in->comment }, { "evidence", &in->evidence },
		{ "contact", &in->contact },
	};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		if (body_str(r, o, strs[i].key, strs[i].out) < 0)
			return -1;
	if (body_int(r, o, "department_id", &in->department_id) < 0 || body_int(r, o, "rating", &in->rating) < 0)
		return -1;
	return 0;
}

static void transition(req_t *r, int kind)
{
	const char *action = NULL;
	struct request_action_in in = { 0 };
	if (action_body(r, &action, &in) < 0)
		return;
	int64_t id = req_param_id(r, 0);
	struct request_change ch;
	err_t e;
	if (request_transition(r->db, r->user, kind, id, action, &in, now_sec(), &ch, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	const char *kname = request_kind_name(kind);
	json_t *audit = json_pack("{s:s,s:s,s:s}", "action", action, "from", ch.from, "to", ch.to);
	json_object_set_new(audit, "detail", ch.detail ? json_loads(ch.detail, 0, NULL) : json_object());
	free(ch.detail);
	char *a = json_dumps(audit, JSON_COMPACT);
	json_decref(audit);
	r->audit_entity = kname;
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
	r->audit_action = arena_printf(r->arena, "%s %s", kname, action);
	r->audit_detail = arena_strdup(r->arena, a ? a : "{}");
	free(a);
	json_t *out = case_json(r, kind, id);
	if (out == NULL) {
		reply_db_error(r, DB_ERR, "reading back");
		return;
	}
	reply_json(r, 200, out);
}

void api_request_transition(req_t *r) { transition(r, REQ_KIND_REQUEST); }
void api_inspection_transition(req_t *r) { transition(r, REQ_KIND_INSPECTION); }
