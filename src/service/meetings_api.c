/*
 * meetings_api.c -- the HTTP handlers of joint consultations (联席会商):
 * they parse the JSON body into meetings.h's input, call the domain and
 * answer with meetings.c's JSON; the minutes as HTML and .docx
 * (minutes.c); the figures.  The route table (routes.c) admits the roles;
 * the handlers narrow a department user to the meetings its department or
 * street takes part in and the tasks that fall to it, and refuse writes to
 * those who may not convene (meetings_can_convene).
 */
#include "service/meetings.h"

#include <stdlib.h>
#include <string.h>

/* ---- bodies ---- */

static int bad_type(req_t *r, const char *field, const char *what)
{
	reply_error(r, 422, "invalid_type", field, "%s must be %s", field, what);
	return -1;
}

/* An optional array of ids at o[key] (field names "key[i]" under prefix):
 * 1 given, 0 absent, -1 after replying. */
static int id_list(req_t *r, json_t *o, const char *key, const char *prefix, const int64_t **out, size_t *n)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	*n = 0;
	const char *field = prefix ? arena_printf(r->arena, "%s.%s", prefix, key) : key;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad_type(r, field, "an array of ids");
	if (json_array_size(v) > MEETING_LIST_MAX) {
		reply_error(r, 422, "invalid", field, "at most %d entries", MEETING_LIST_MAX);
		return -1;
	}
	int64_t *ids = arena_alloc(r->arena, (json_array_size(v) + 1) * sizeof *ids);
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		if (!json_is_integer(e))
			return bad_type(r, arena_printf(r->arena, "%s[%zu]", field, i), "an id");
		ids[i] = json_integer_value(e);
	}
	*out = ids;
	*n = json_array_size(v);
	return 1;
}

/* A string or integer member of a nested object, with its field name. */
static int sub_str(req_t *r, json_t *o, const char *key, const char *field, const char **out)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad_type(r, field, "a string");
	char *s = arena_strdup(r->arena, json_string_value(v));
	char *t = arena_alloc(r->arena, strlen(s) + 1);
	text_trim_into(s, t, strlen(s) + 1);
	*out = t;
	return 1;
}

static int sub_int(req_t *r, json_t *o, const char *key, const char *field, int64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return bad_type(r, field, "a whole number");
	*out = json_integer_value(v);
	return 1;
}

static int meeting_body(req_t *r, struct meeting_in *in, int update)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return -1;
	static const char *const fields[] = { "title", "held_on", "starts_at", "place", "chair", "level", "departments",
	                                      "streets", "status", NULL };
	if (body_unknown_field(r, o, fields))
		return -1;
	const struct {
		const char *key, **out;
	} strs[] = {
		{ "title", &in->title }, { "held_on", &in->held_on }, { "starts_at", &in->starts_at }, { "place", &in->place },
		{ "chair", &in->chair }, { "level", &in->level }, { "status", &in->status },
	};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		if (body_str(r, o, strs[i].key, strs[i].out) < 0)
			return -1;
	if (!update && in->status) {
		reply_error(r, 422, "unknown_field", "status", "a new meeting is planned; mark it held with PATCH");
		return -1;
	}
	int d = id_list(r, o, "departments", NULL, &in->departments, &in->ndepartments);
	int s = d < 0 ? -1 : id_list(r, o, "streets", NULL, &in->streets, &in->nstreets);
	if (s < 0)
		return -1;
	in->has_departments = d > 0 || !update;
	in->has_streets = s > 0 || !update;
	return 0;
}

static int task_body(req_t *r, json_t *t, size_t i, struct meeting_task_in *out)
{
	const char *f = arena_printf(r->arena, "tasks[%zu]", i);
	if (!json_is_object(t))
		return bad_type(r, f, "an object");
	static const char *const fields[] = { "title", "department_id", "street_id", "due_workdays", "due_on", NULL };
	const char *k;
	json_t *v;
	json_object_foreach(t, k, v) {
		int ok = 0;
		for (int j = 0; fields[j]; j++)
			ok |= strcmp(k, fields[j]) == 0;
		if (!ok) {
			reply_error(r, 422, "unknown_field", arena_printf(r->arena, "%s.%s", f, k), "unknown field '%s'", k);
			return -1;
		}
	}
	if (sub_str(r, t, "title", arena_printf(r->arena, "%s.title", f), &out->title) < 0 ||
	    sub_str(r, t, "due_on", arena_printf(r->arena, "%s.due_on", f), &out->due_on) < 0 ||
	    sub_int(r, t, "department_id", arena_printf(r->arena, "%s.department_id", f), &out->department_id) < 0 ||
	    sub_int(r, t, "street_id", arena_printf(r->arena, "%s.street_id", f), &out->street_id) < 0 ||
	    sub_int(r, t, "due_workdays", arena_printf(r->arena, "%s.due_workdays", f), &out->due_workdays) < 0)
		return -1;
	return 0;
}

static int decision_body(req_t *r, struct meeting_decision_in *in)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return -1;
	static const char *const fields[] = { "decision", "lead_department_id", "partners", "tasks", NULL };
	if (body_unknown_field(r, o, fields) || body_str(r, o, "decision", &in->decision) < 0 ||
	    body_int(r, o, "lead_department_id", &in->lead_department_id) < 0)
		return -1;
	json_t *p = json_object_get(o, "partners");
	if (p && !json_is_null(p)) {
		if (!json_is_object(p))
			return bad_type(r, "partners", "an object {departments, streets}");
		static const char *const pf[] = { "departments", "streets", NULL };
		if (body_unknown_field(r, p, pf) ||
		    id_list(r, p, "departments", "partners", &in->partner_departments, &in->npartner_departments) < 0 ||
		    id_list(r, p, "streets", "partners", &in->partner_streets, &in->npartner_streets) < 0)
			return -1;
	}
	json_t *t = json_object_get(o, "tasks");
	if (t && !json_is_null(t)) {
		if (!json_is_array(t))
			return bad_type(r, "tasks", "an array of tasks");
		if (json_array_size(t) > MEETING_LIST_MAX) {
			reply_error(r, 422, "invalid", "tasks", "at most %d tasks", MEETING_LIST_MAX);
			return -1;
		}
		struct meeting_task_in *tasks = arena_alloc(r->arena, (json_array_size(t) + 1) * sizeof *tasks);
		size_t i;
		json_t *e;
		json_array_foreach(t, i, e)
			if (task_body(r, e, i, &tasks[i]) < 0)
				return -1;
		in->tasks = tasks;
		in->ntasks = json_array_size(t);
	}
	return 0;
}

/* ---- answers ---- */

static void audit(req_t *r, const char *entity, int64_t id)
{
	r->audit_entity = entity;
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
}

static void reply_obj(req_t *r, int status, json_t *o)
{
	if (o == NULL)
		reply_db_error(r, DB_ERR, "reading back");
	else
		reply_json(r, status, o);
}

/* A meeting whole, with whether the caller convenes (the browser shows the
 * convener's buttons by it). */
static void reply_meeting(req_t *r, int status, int64_t id)
{
	json_t *o = meeting_full_json(r->db, id);
	if (o)
		json_object_set_new(o, "can_convene", json_boolean(meetings_can_convene(r->db, r->user)));
	reply_obj(r, status, o);
}

/* The meeting id of the path if r's caller may read it; 0 after a 404. */
static int64_t readable(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	int v = id > 0 ? meeting_visible(r->db, r->user, id) : 0;
	if (v < 0) {
		reply_db_error(r, DB_ERR, "reading the meeting");
		return 0;
	}
	if (v == 0) {
		reply_error(r, 404, "not_found", "id", "no such meeting");
		return 0;
	}
	return id;
}

/* A department user who may not convene sees only its own: its
 * department and street (else 0, 0). */
static void scope(req_t *r, int64_t *dept, int64_t *street)
{
	*dept = *street = 0;
	if (r->user->role_bit == ROLE_DEPARTMENT && !meetings_can_convene(r->db, r->user)) {
		*dept = r->user->department_id > 0 ? r->user->department_id : -1;
		*street = user_street_id(r->db, r->user);
	}
}

/* ---- meetings ---- */

void api_meetings_list(req_t *r)
{
	int64_t limit, offset, dept, street;
	if (req_paging(r, &limit, &offset) < 0)
		return;
	const char *status = req_query(r, "status"), *from = req_query(r, "from"), *to = req_query(r, "to");
	status = status && *status ? status : NULL;
	from = from && *from ? from : NULL;
	to = to && *to ? to : NULL;
	if (status && strcmp(status, "planned") != 0 && strcmp(status, "held") != 0) {
		reply_error(r, 422, "invalid_parameter", "status", "status is planned or held");
		return;
	}
	if ((from && date_parse(from, NULL) != DATE_OK) || (to && date_parse(to, NULL) != DATE_OK)) {
		reply_error(r, 422, "invalid_parameter", from && date_parse(from, NULL) != DATE_OK ? "from" : "to",
		            "from and to are dates (YYYY-MM-DD)");
		return;
	}
	scope(r, &dept, &street);
#define MT_WHERE \
	" WHERE (CAST($1 AS TEXT) IS NULL OR m.status = $1) AND (CAST($2 AS TEXT) IS NULL OR m.held_on >= $2)" \
	" AND (CAST($3 AS TEXT) IS NULL OR m.held_on <= $3) AND (CAST($4 AS BIGINT) = 0 OR EXISTS (SELECT 1" \
	" FROM meeting_participants p WHERE p.meeting_id = m.id AND (p.department_id = $4 OR p.street_id = $5)))"
	db_stmt_t *sts[2] = { db_prepare(r->db, "SELECT count(*) FROM meetings m" MT_WHERE),
	                      db_prepare(r->db, "SELECT m.id FROM meetings m" MT_WHERE
	                                        " ORDER BY m.held_on DESC, m.id DESC LIMIT $6 OFFSET $7") };
	if (sts[0] == NULL || sts[1] == NULL) {
		for (int i = 0; i < 2; i++)
			if (sts[i])
				db_done(sts[i]);
		reply_db_error(r, DB_ERR, "listing the meetings");
		return;
	}
	for (int i = 0; i < 2; i++) {
		db_bind_text(sts[i], 1, status);
		db_bind_text(sts[i], 2, from);
		db_bind_text(sts[i], 3, to);
		db_bind_int(sts[i], 4, dept);
		db_bind_int(sts[i], 5, street);
	}
	db_bind_int(sts[1], 6, limit);
	db_bind_int(sts[1], 7, offset);
	int rc = db_step(sts[0]);
	int64_t total = rc == DB_ROW ? db_col_int(sts[0], 0) : 0;
	db_done(sts[0]);
	int64_t *ids = arena_alloc(r->arena, (size_t)(limit + 1) * sizeof *ids);
	size_t n = 0;
	while (rc == DB_ROW && (rc = db_step(sts[1])) == DB_ROW)
		ids[n++] = db_col_int(sts[1], 0);
	db_done(sts[1]);
	if (rc != DB_DONE) {
		reply_db_error(r, rc, "listing the meetings");
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *m = meeting_json(r->db, ids[i]);
		if (m == NULL) {
			json_decref(items);
			reply_db_error(r, DB_ERR, "listing the meetings");
			return;
		}
		json_array_append_new(items, m);
	}
	reply_json(r, 200, json_pack("{s:o,s:I,s:I,s:I,s:b}", "items", items, "total", (json_int_t)total,
	                             "limit", (json_int_t)limit, "offset", (json_int_t)offset,
	                             "can_convene", meetings_can_convene(r->db, r->user)));
}

void api_meetings_create(req_t *r)
{
	struct meeting_in in = { 0 };
	if (meeting_body(r, &in, 0) < 0)
		return;
	err_t e;
	int64_t id = 0;
	if (meeting_create(r->db, r->arena, r->user, &in, now_sec(), &id, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit(r, "meeting", id);
	reply_meeting(r, 201, id);
}

void api_meeting_get(req_t *r)
{
	int64_t id = readable(r);
	if (id <= 0)
		return;
	reply_meeting(r, 200, id);
}

void api_meeting_update(req_t *r)
{
	struct meeting_in in = { 0 };
	if (meeting_body(r, &in, 1) < 0)
		return;
	int64_t id = req_param_id(r, 0);
	err_t e;
	if (meeting_update(r->db, r->arena, r->user, id, &in, now_sec(), &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit(r, "meeting", id);
	reply_meeting(r, 200, id);
}

/* ---- items, proposals, decisions ---- */

void api_meeting_item_add(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "kind", "request_id", "title", "note", NULL };
	struct meeting_item_in in = { 0 };
	if (body_unknown_field(r, o, fields) || body_str(r, o, "kind", &in.kind) < 0 ||
	    body_int(r, o, "request_id", &in.request_id) < 0 || body_str(r, o, "title", &in.title) < 0 ||
	    body_str(r, o, "note", &in.note) < 0)
		return;
	err_t e;
	int64_t item = 0, id = req_param_id(r, 0);
	if (id <= 0) {
		reply_error(r, 404, "not_found", "id", "no such meeting");
		return;
	}
	if (meeting_item_add(r->db, r->arena, r->user, id, &in, now_sec(), &item, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit(r, "meeting_item", item);
	reply_obj(r, 201, meeting_item_json(r->db, item));
}

void api_meeting_proposals_create(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "request_id", "note", NULL };
	int64_t rid = 0, item = 0;
	const char *note = NULL;
	if (body_unknown_field(r, o, fields) || body_int(r, o, "request_id", &rid) < 0 || body_str(r, o, "note", &note) < 0)
		return;
	err_t e;
	if (meeting_propose(r->db, r->arena, r->user, rid, note, now_sec(), &item, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit(r, "meeting_item", item);
	reply_obj(r, 201, meeting_item_json(r->db, item));
}

void api_meeting_proposals_list(req_t *r)
{
	int64_t dept, street;
	scope(r, &dept, &street);
	/* a department user who does not convene sees the proposals it made */
	db_stmt_t *st = db_prepare(r->db,
		"SELECT i.id FROM meeting_items i LEFT JOIN meetings m ON m.id = i.meeting_id"
		" WHERE i.decided_at IS NULL AND i.kind <> 'topic' AND (i.meeting_id IS NULL OR m.status = 'planned')"
		" AND (CAST($1 AS BIGINT) = 0 OR i.proposed_by = $1) ORDER BY i.id LIMIT 500");
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "listing the proposals");
		return;
	}
	db_bind_int(st, 1, dept ? r->user->id : 0);
	int64_t ids[500];
	size_t n = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW && n < 500)
		ids[n++] = db_col_int(st, 0);
	db_done(st);
	json_t *items = rc == DB_DONE || rc == DB_ROW ? json_array() : NULL;
	for (size_t i = 0; items && i < n; i++) {
		json_t *it = meeting_item_json(r->db, ids[i]);
		if (it == NULL) {
			json_decref(items);
			items = NULL;
		} else {
			json_array_append_new(items, it);
		}
	}
	if (items == NULL) {
		reply_db_error(r, DB_ERR, "listing the proposals");
		return;
	}
	reply_json(r, 200, json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

void api_meeting_decision(req_t *r)
{
	struct meeting_decision_in in = { 0 };
	if (decision_body(r, &in) < 0)
		return;
	int64_t id = req_param_id(r, 0), item = req_param_id(r, 1);
	err_t e;
	if (meeting_decide(r->db, r->arena, r->user, id, item, &in, now_sec(), &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit(r, "meeting_item", item);
	reply_obj(r, 200, meeting_item_json(r->db, item));
}

/* ---- tasks ---- */

void api_meeting_tasks_list(req_t *r)
{
	int64_t mine, meeting;
	if (req_query_bool(r, "mine", &mine) < 0 || req_query_id(r, "meeting_id", &meeting) < 0)
		return;
	const char *status = req_query(r, "status");
	status = status && *status ? status : NULL;
	if (status && strcmp(status, "open") != 0 && strcmp(status, "done") != 0) {
		reply_error(r, 422, "invalid_parameter", "status", "status is open or done");
		return;
	}
	struct meeting_task_filter f = { .meeting = meeting, .status = status };
	scope(r, &f.scope_dept, &f.scope_street);
	if (mine == 1) {
		int dep = r->user->role_bit == ROLE_DEPARTMENT && r->user->department_id > 0;
		f.mine_dept = dep ? r->user->department_id : -1;
		f.mine_street = user_street_id(r->db, r->user);
	}
	json_t *items = meeting_tasks_json(r->db, &f);
	if (items == NULL) {
		reply_db_error(r, DB_ERR, "listing the tasks");
		return;
	}
	reply_json(r, 200, json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

void api_meeting_task_update(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "status", "note", NULL };
	const char *status = NULL, *note = NULL;
	if (body_unknown_field(r, o, fields) || body_str(r, o, "status", &status) < 0 || body_str(r, o, "note", &note) < 0)
		return;
	int64_t id = req_param_id(r, 0);
	err_t e;
	if (id <= 0) {
		reply_error(r, 404, "not_found", "id", "no such task");
		return;
	}
	if (meeting_task_update(r->db, r->arena, r->user, id, status, note, now_sec(), &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit(r, "meeting_task", id);
	struct meeting_task_filter f = { .id = id };
	json_t *a = meeting_tasks_json(r->db, &f);
	json_t *t = a ? json_incref(json_array_get(a, 0)) : NULL;
	json_decref(a);
	reply_obj(r, 200, t);
}

/* ---- minutes ---- */

static json_t *minutes_source(req_t *r, const char **zone)
{
	int64_t id = readable(r);
	if (id <= 0)
		return NULL;
	json_t *m = meeting_full_json(r->db, id);
	if (m == NULL) {
		reply_db_error(r, DB_ERR, "reading the meeting");
		return NULL;
	}
	char *z = setting_get(r->db, "zone_name");
	*zone = arena_strdup(r->arena, z ? z : "");
	free(z);
	return m;
}

void api_meeting_minutes(req_t *r)
{
	const char *zone;
	json_t *m = minutes_source(r, &zone);
	if (m == NULL)
		return;
	char *html = minutes_html(r->arena, m, zone);
	json_decref(m);
	if (html == NULL) {
		reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	reply_text(r, 200, "text/html; charset=utf-8", html, strlen(html));
}

void api_meeting_minutes_docx(req_t *r)
{
	const char *zone;
	json_t *m = minutes_source(r, &zone);
	if (m == NULL)
		return;
	buf_t b;
	buf_init(&b);
	int rc = minutes_docx(m, zone, &b);
	const char *name = arena_printf(r->arena, "会议纪要-%s.docx", json_string_value(json_object_get(m, "held_on")));
	json_decref(m);
	if (rc < 0) {
		buf_free(&b);
		reply_error(r, 500, "internal", NULL, "the Word file could not be written");
		return;
	}
	reply_file(r, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", name, NULL, b.data, b.len);
	buf_free(&b);
}

/* ---- figures ---- */

/* The year's figures: one row of counts. */
static json_t *stats_totals(db_t *db, const char *y0, const char *y1, const char *today)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT (SELECT count(*) FROM meetings WHERE held_on BETWEEN $1 AND $2),"
		" (SELECT count(*) FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id"
		"  WHERE m.held_on BETWEEN $1 AND $2 AND i.decided_at IS NOT NULL),"
		" count(t.id), COALESCE(sum(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END), 0),"
		" COALESCE(sum(CASE WHEN t.status = 'done' AND t.done_on <= t.due_on THEN 1 ELSE 0 END), 0),"
		" COALESCE(sum(CASE WHEN t.status = 'open' THEN 1 ELSE 0 END), 0),"
		" COALESCE(sum(CASE WHEN t.status = 'open' AND t.due_on < $3 THEN 1 ELSE 0 END), 0),"
		" (SELECT count(DISTINCT r.id) FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id"
		"  JOIN requests r ON r.id = i.request_id WHERE m.held_on BETWEEN $1 AND $2 AND i.decided_at IS NOT NULL"
		"  AND r.status IN ('resolved', 'closed', 'verified_closed'))"
		" FROM meeting_tasks t JOIN meeting_items i ON i.id = t.item_id JOIN meetings m ON m.id = i.meeting_id"
		" WHERE m.held_on BETWEEN $1 AND $2");
	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, y0);
	db_bind_text(st, 2, y1);
	db_bind_text(st, 3, today);
	json_t *o = NULL;
	if (db_step(st) == DB_ROW) {
		o = json_pack("{s:I,s:I,s:I}", "meetings", (json_int_t)db_col_int(st, 0), "items_decided",
		              (json_int_t)db_col_int(st, 1), "requests_solved", (json_int_t)db_col_int(st, 7));
		json_object_set_new(o, "tasks", json_pack("{s:I,s:I,s:I,s:I,s:I}", "total", (json_int_t)db_col_int(st, 2),
		                                           "done", (json_int_t)db_col_int(st, 3), "done_on_time",
		                                           (json_int_t)db_col_int(st, 4), "open", (json_int_t)db_col_int(st, 5),
		                                           "overdue", (json_int_t)db_col_int(st, 6)));
	}
	db_done(st);
	return o;
}

static json_t *stats_by_street(db_t *db, const char *y0, const char *y1)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT s.id, s.name, s.name_en, count(t.id),"
		" COALESCE(sum(CASE WHEN t.status = 'done' AND t.done_on <= t.due_on THEN 1 ELSE 0 END), 0)"
		" FROM streets s LEFT JOIN (meeting_tasks t JOIN meeting_items i ON i.id = t.item_id"
		"  JOIN meetings m ON m.id = i.meeting_id AND m.held_on BETWEEN $1 AND $2) ON t.street_id = s.id"
		" GROUP BY s.id, s.name, s.name_en ORDER BY s.id");
	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, y0);
	db_bind_text(st, 2, y1);
	json_t *a = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(a, json_pack("{s:{s:I,s:s,s:s},s:I,s:I}", "street", "id", (json_int_t)db_col_int(st, 0),
		                                   "name", db_col_text(st, 1), "name_en", db_col_text(st, 2), "tasks",
		                                   (json_int_t)db_col_int(st, 3), "done_on_time", (json_int_t)db_col_int(st, 4)));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(a);
		return NULL;
	}
	return a;
}

void api_meetings_stats(req_t *r)
{
	int y;
	date_to_civil(date_of_unix(now_sec()), &y, NULL, NULL);
	int64_t year;
	if (req_query_int(r, "year", y, DATE_YEAR_MIN, DATE_YEAR_MAX, &year) < 0)
		return;
	char y0[DATE_LEN], y1[DATE_LEN], today[DATE_LEN];
	date_format(date_from_civil((int)year, 1, 1), y0);
	date_format(date_from_civil((int)year, 12, 31), y1);
	date_format(date_of_unix(now_sec()), today);
	json_t *o = stats_totals(r->db, y0, y1, today), *s = o ? stats_by_street(r->db, y0, y1) : NULL;
	if (s == NULL) {
		json_decref(o);
		reply_db_error(r, DB_ERR, "counting");
		return;
	}
	json_object_set_new(o, "year", json_integer(year));
	json_object_set_new(o, "by_street", s);
	reply_json(r, 200, o);
}
