/*
 * meetings.c -- joint consultations (联席会商): who convenes, meetings and
 * their participants, agenda items and proposals, decisions with their
 * partners and follow-up tasks, task updates, and the meetings read as the
 * API answers them.  docs/meetings.md has the rules; meetings.h the
 * contract of each function.
 *
 * Every write validates all its input first and writes only then, inside
 * the caller's transaction, so that a refused call stores nothing (the
 * HTTP layer also rolls back on an error answer).
 */
#include "service/meetings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- who ---- */

/* The service center's department: the setting, else by name; 0 none. */
static int64_t service_center(db_t *db)
{
	char *v = setting_get(db, "service_center_department");
	int64_t id = v && *v ? strtoll(v, NULL, 10) : 0;
	free(v);
	if (id > 0)
		return id;
	static const char *const name[1] = { "企业发展服务中心" };
	return db_int1(db, "SELECT id FROM departments WHERE name = $1", 0, 1, name);
}

int meetings_can_convene(db_t *db, const user_t *u)
{
	if (u == NULL)
		return 0;
	if (u->role_bit & (ROLE_ADMIN | ROLE_LEADER | ROLE_OFFICER))
		return 1;
	return u->role_bit == ROLE_DEPARTMENT && u->department_id > 0 && u->department_id == service_center(db);
}

/* Readers of every meeting. */
static int reads_all(db_t *db, const user_t *u)
{
	return u && ((u->role_bit & (ROLE_ADMIN | ROLE_LEADER | ROLE_OFFICER | ROLE_STATISTICIAN)) ||
	             meetings_can_convene(db, u));
}

int meeting_visible(db_t *db, const user_t *u, int64_t id)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT (SELECT count(*) FROM meeting_participants p WHERE p.meeting_id = m.id"
		" AND (p.department_id = $2 OR p.street_id = $3)) FROM meetings m WHERE m.id = $1");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, u && u->role_bit == ROLE_DEPARTMENT ? u->department_id : 0);
	db_bind_int(st, 3, user_street_id(db, u));
	int rc = db_step(st);
	int64_t n = rc == DB_ROW ? db_col_int(st, 0) : -1;
	db_done(st);
	if (rc == DB_DONE)
		return 0;
	if (rc != DB_ROW)
		return -1;
	return reads_all(db, u) || n > 0;
}

static int forbidden(err_t *err, const user_t *u)
{
	err_set(err, 403, "forbidden", NULL, "only the conveners (admins, leaders, the service center) may do this");
	return err_param(err, "role", "%s", u ? u->role : "");
}

/* ---- checks ---- */

/* Department (street 0) or street (street 1) id exists: 0, or -1 with err
 * 422 unknown_department / unknown_street on field. */
static int known(db_t *db, int street, int64_t id, const char *field, err_t *err)
{
	int rc = id > 0 ? db_exists_id(db, street ? "SELECT 1 FROM streets WHERE id = $1" : "SELECT 1 FROM departments WHERE id = $1",
	                        id)
	                : 0;
	if (rc < 0)
		return db_fail(err, db, DB_ERR, street ? "reading the streets" : "reading the departments");
	if (rc == 0) {
		err_set(err, 422, street ? "unknown_street" : "unknown_department", field, "no %s %lld",
		        street ? "street" : "department", (long long)id);
		return err_param(err, "id", "%lld", (long long)id);
	}
	return 0;
}

/* Each of ids[0..n) is a known department or street; field "name[i]". */
static int known_all(db_t *db, arena_t *a, int street, const int64_t *ids, size_t n, const char *name, err_t *err)
{
	if (n > MEETING_LIST_MAX) {
		err_set(err, 422, "invalid", name, "at most %d entries", MEETING_LIST_MAX);
		return err_param(err, "max", "%d", MEETING_LIST_MAX);
	}
	for (size_t i = 0; i < n; i++)
		if (known(db, street, ids[i], arena_printf(a, "%s[%zu]", name, i), err) < 0)
			return -1;
	return 0;
}

/* Optional one-line (or multiline) text of at most max characters. */
static int text(const char *s, const char *field, size_t max, int multiline, err_t *err)
{
	if (s == NULL || text_ok(s, max, multiline))
		return 0;
	err_set(err, 422, "invalid", field, "%s is text of at most %zu characters", field, max);
	return err_param(err, "max", "%zu", max);
}

static int required(const char *s, const char *field, err_t *err)
{
	if (s && *s)
		return 0;
	return err_set(err, 422, "required", field, "%s is required", field);
}

static int date_field(const char *s, const char *field, err_t *err)
{
	if (date_parse(s, NULL) == DATE_OK)
		return 0;
	err_set(err, 422, "invalid_date", field, "%s must be a date (YYYY-MM-DD)", field);
	return err_param(err, "value", "%s", s);
}

/* 'HH:MM', 00:00-23:59 */
static int time_ok(const char *s)
{
	return strlen(s) == 5 && s[2] == ':' && strspn(s, "0123456789:") == 5 && s[0] <= '2' &&
	       (s[0] < '2' || s[1] <= '3') && s[3] <= '5';
}

/* ---- meetings ---- */

static int recompute(db_t *db, int64_t meeting);

struct mrow {
	char held_on[DATE_LEN];
	char level[24], status[16], title[MEETING_TITLE_MAX * 4 + 1];
	int64_t nstreets;
};

/* Meeting id as stored: 1, 0 none, -1 error. */
static int load_meeting(db_t *db, int64_t id, struct mrow *m)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT held_on, level, status, title, (SELECT count(*) FROM meeting_participants p WHERE p.meeting_id = m.id"
		" AND p.street_id IS NOT NULL) FROM meetings m WHERE id = $1");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(m->held_on, sizeof m->held_on, "%s", db_col_text(st, 0));
		snprintf(m->level, sizeof m->level, "%s", db_col_text(st, 1));
		snprintf(m->status, sizeof m->status, "%s", db_col_text(st, 2));
		snprintf(m->title, sizeof m->title, "%s", db_col_text(st, 3));
		m->nstreets = db_col_int(st, 4);
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

static int find_meeting(db_t *db, int64_t id, struct mrow *m, err_t *err)
{
	int rc = id > 0 ? load_meeting(db, id, m) : 0;
	if (rc < 0)
		return db_fail(err, db, DB_ERR, "reading the meeting");
	if (rc == 0)
		return err_set(err, 404, "not_found", "id", "no such meeting");
	return 0;
}

/* The input of a create (create 1: title and held_on required) or an
 * update, against the meeting's level and streets as stored (cur). */
static int check_meeting(db_t *db, arena_t *a, const struct meeting_in *in, int create, const struct mrow *cur,
                         err_t *err)
{
	if (create && (required(in->title, "title", err) < 0 || required(in->held_on, "held_on", err) < 0))
		return -1;
	if (in->title && (required(in->title, "title", err) < 0 || text(in->title, "title", MEETING_TITLE_MAX, 0, err) < 0))
		return -1;
	if (in->held_on && date_field(in->held_on, "held_on", err) < 0)
		return -1;
	if (in->starts_at && *in->starts_at && !time_ok(in->starts_at)) {
		err_set(err, 422, "invalid", "starts_at", "starts_at is a time of day, HH:MM");
		return err_param(err, "value", "%s", in->starts_at);
	}
	if (text(in->place, "place", MEETING_TEXT_MAX, 0, err) < 0 || text(in->chair, "chair", MEETING_TEXT_MAX, 0, err) < 0)
		return -1;
	if (in->level && strcmp(in->level, "district") != 0 && strcmp(in->level, "district_street") != 0) {
		err_set(err, 422, "invalid", "level", "level is district or district_street");
		return err_param(err, "value", "%s", in->level);
	}
	if (in->status && strcmp(in->status, "planned") != 0 && strcmp(in->status, "held") != 0) {
		err_set(err, 422, "invalid", "status", "status is planned or held");
		return err_param(err, "value", "%s", in->status);
	}
	const char *level = in->level ? in->level : cur ? cur->level : "district";
	int64_t nstreets = in->has_streets ? (int64_t)in->nstreets : cur ? cur->nstreets : 0;
	if (nstreets > 0 && strcmp(level, "district") == 0)
		return err_set(err, 422, "streets_need_street_level", "streets",
		               "streets take part in meetings of level district_street only");
	return known_all(db, a, 0, in->departments, in->ndepartments, "departments", err) < 0 ||
	       known_all(db, a, 1, in->streets, in->nstreets, "streets", err) < 0 ? -1 : 0;
}

/* Write the participants given (replacing those of the kind given). */
static int save_participants(db_t *db, int64_t id, const struct meeting_in *in, err_t *err)
{
	static const char *const del[2] = {
		"DELETE FROM meeting_participants WHERE meeting_id = $1 AND department_id IS NOT NULL",
		"DELETE FROM meeting_participants WHERE meeting_id = $1 AND street_id IS NOT NULL",
	};
	static const char *const ins[2] = {
		"INSERT INTO meeting_participants (meeting_id, department_id) SELECT $1, $2 WHERE NOT EXISTS"
		" (SELECT 1 FROM meeting_participants WHERE meeting_id = $1 AND department_id = $2)",
		"INSERT INTO meeting_participants (meeting_id, street_id) SELECT $1, $2 WHERE NOT EXISTS"
		" (SELECT 1 FROM meeting_participants WHERE meeting_id = $1 AND street_id = $2)",
	};
	for (int k = 0; k < 2; k++) {
		if (!(k ? in->has_streets : in->has_departments))
			continue;
		const int64_t *ids = k ? in->streets : in->departments;
		size_t n = k ? in->nstreets : in->ndepartments;
		db_stmt_t *st = db_prepare(db, del[k]);
		if (st == NULL)
			return db_fail(err, db, DB_ERR, "saving the participants");
		db_bind_int(st, 1, id);
		int rc = db_step(st);
		db_done(st);
		for (size_t i = 0; rc == DB_DONE && i < n; i++) {
			st = db_prepare(db, ins[k]);
			if (st == NULL)
				return db_fail(err, db, DB_ERR, "saving the participants");
			db_bind_int(st, 1, id);
			db_bind_int(st, 2, ids[i]);
			rc = db_step(st);
			db_done(st);
		}
		if (rc != DB_DONE)
			return db_fail(err, db, rc, "saving the participants");
	}
	return 0;
}

/* The next planned meeting (the earliest planned on or after today): its
 * id, 0 none, -1 error. */
static int64_t next_meeting(db_t *db, int64_t now)
{
	char today[DATE_LEN];
	date_format(date_of_unix(now), today);
	const char *p[1] = { today };
	return db_int1(db, "SELECT id FROM meetings WHERE status = 'planned' AND held_on >= $1 ORDER BY held_on, id LIMIT 1",
	               0, 1, p);
}

int meeting_create(db_t *db, arena_t *a, const user_t *actor, const struct meeting_in *in, int64_t now, int64_t *id,
                   err_t *err)
{
	if (!meetings_can_convene(db, actor))
		return forbidden(err, actor);
	if (check_meeting(db, a, in, 1, NULL, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO meetings (title, held_on, starts_at, place, chair, level, convener_id, status, created_at, updated_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the meeting");
	db_bind_text(st, 1, in->title);
	db_bind_text(st, 2, in->held_on);
	db_bind_text(st, 3, in->starts_at ? in->starts_at : "");
	db_bind_text(st, 4, in->place ? in->place : "");
	db_bind_text(st, 5, in->chair ? in->chair : "");
	db_bind_text(st, 6, in->level ? in->level : "district");
	actor && actor->id > 0 ? db_bind_int(st, 7, actor->id) : db_bind_null(st, 7);
	db_bind_text(st, 8, in->status ? in->status : "planned");
	db_bind_int(st, 9, now);
	int rc = db_step(st);
	*id = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "saving the meeting");
	if (save_participants(db, *id, in, err) < 0)
		return -1;
	/* the pending proposals join the agenda of the next meeting */
	if (next_meeting(db, now) == *id) {
		st = db_prepare(db, "UPDATE meeting_items SET meeting_id = $1 WHERE meeting_id IS NULL");
		if (st == NULL)
			return db_fail(err, db, DB_ERR, "attaching the proposals");
		db_bind_int(st, 1, *id);
		rc = db_step(st);
		db_done(st);
		if (rc != DB_DONE)
			return db_fail(err, db, rc, "attaching the proposals");
	}
	return 0;
}

int meeting_update(db_t *db, arena_t *a, const user_t *actor, int64_t id, const struct meeting_in *in, int64_t now,
                   err_t *err)
{
	struct mrow cur;
	if (find_meeting(db, id, &cur, err) < 0)
		return -1;
	if (!meetings_can_convene(db, actor))
		return forbidden(err, actor);
	if (check_meeting(db, a, in, 0, &cur, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db,
		"UPDATE meetings SET title = COALESCE($2, title), held_on = COALESCE($3, held_on),"
		" starts_at = COALESCE($4, starts_at), place = COALESCE($5, place), chair = COALESCE($6, chair),"
		" level = COALESCE($7, level), status = COALESCE($8, status), updated_at = $9 WHERE id = $1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the meeting");
	db_bind_int(st, 1, id);
	const char *v[7] = { in->title, in->held_on, in->starts_at, in->place, in->chair, in->level, in->status };
	for (int i = 0; i < 7; i++)
		db_bind_text(st, 2 + i, v[i]);
	db_bind_int(st, 9, now);
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return db_fail(err, db, rc, "saving the meeting");
	if (in->held_on && strcmp(in->held_on, cur.held_on) != 0 && recompute(db, id) < 0)
		return db_fail(err, db, DB_ERR, "counting the tasks' deadlines again");
	return save_participants(db, id, in, err);
}

/* ---- items ---- */

/* The request an item names: its kind ('request'|'inspection'), whether
 * it is of an enterprise in the registry, its title (arena a). */
struct rref {
	int kind_inspection, registered;
	const char *title;
};

static int load_request(db_t *db, arena_t *a, int64_t id, struct rref *q)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT r.kind, r.title, (SELECT count(*) FROM enterprises e WHERE e.id = r.enterprise_id)"
		" FROM requests r WHERE r.id = $1");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		q->kind_inspection = strcmp(db_col_text(st, 0), "inspection") == 0;
		q->title = arena_strdup(a, db_col_text(st, 1));
		q->registered = db_col_int(st, 2) > 0;
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

static int unknown_request(err_t *err, int64_t id)
{
	err_set(err, 422, "unknown_request", "request_id",
	        "no request %lld of an enterprise in the zone's registry", (long long)id);
	return err_param(err, "id", "%lld", (long long)id);
}

/* The item's input: its kind's request, a title. */
static int check_item(db_t *db, arena_t *a, const struct meeting_item_in *in, const char **title, err_t *err)
{
	if (required(in->kind, "kind", err) < 0)
		return -1;
	int topic = strcmp(in->kind, "topic") == 0, finding = strcmp(in->kind, "finding") == 0;
	if (!topic && !finding && strcmp(in->kind, "request") != 0) {
		err_set(err, 422, "invalid", "kind", "kind is request, finding or topic");
		return err_param(err, "value", "%s", in->kind);
	}
	if (text(in->title, "title", MEETING_TITLE_MAX, 0, err) < 0 || text(in->note, "note", MEETING_NOTE_MAX, 1, err) < 0)
		return -1;
	*title = in->title && *in->title ? in->title : NULL;
	if (topic)
		return required(*title, "title", err);
	if (in->request_id <= 0)
		return err_set(err, 422, "required", "request_id", "request_id is required for a %s", in->kind);
	struct rref q;
	int rc = load_request(db, a, in->request_id, &q);
	if (rc < 0)
		return db_fail(err, db, DB_ERR, "reading the request");
	if (rc == 0 || (!finding && (q.kind_inspection || !q.registered)))
		return unknown_request(err, in->request_id);
	if (finding && !q.kind_inspection) {
		err_set(err, 422, "not_a_finding", "request_id", "request %lld is not an inspection finding",
		        (long long)in->request_id);
		return err_param(err, "id", "%lld", (long long)in->request_id);
	}
	if (*title == NULL)
		*title = q.title;
	return 0;
}

static int insert_item(db_t *db, const user_t *actor, int64_t meeting_id, const struct meeting_item_in *in,
                       const char *title, int64_t now, int64_t *item_id, err_t *err)
{
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO meeting_items (meeting_id, kind, request_id, title, note, proposed_by, proposed_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the item");
	meeting_id > 0 ? db_bind_int(st, 1, meeting_id) : db_bind_null(st, 1);
	db_bind_text(st, 2, in->kind);
	strcmp(in->kind, "topic") != 0 ? db_bind_int(st, 3, in->request_id) : db_bind_null(st, 3);
	db_bind_text(st, 4, title);
	db_bind_text(st, 5, in->note ? in->note : "");
	actor && actor->id > 0 ? db_bind_int(st, 6, actor->id) : db_bind_null(st, 6);
	db_bind_int(st, 7, now);
	int rc = db_step(st);
	*item_id = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	return rc == DB_ROW ? 0 : db_fail(err, db, rc, "saving the item");
}

int meeting_item_add(db_t *db, arena_t *a, const user_t *actor, int64_t meeting_id, const struct meeting_item_in *in,
                     int64_t now, int64_t *item_id, err_t *err)
{
	const char *title = NULL;
	if (meeting_id > 0) {
		struct mrow m;
		if (find_meeting(db, meeting_id, &m, err) < 0)
			return -1;
		if (!meetings_can_convene(db, actor))
			return forbidden(err, actor);
	} else {
		meeting_id = next_meeting(db, now);
		if (meeting_id < 0)
			return db_fail(err, db, DB_ERR, "reading the meetings");
	}
	if (check_item(db, a, in, &title, err) < 0)
		return -1;
	return insert_item(db, actor, meeting_id, in, title, now, item_id, err);
}

int meeting_propose(db_t *db, arena_t *a, const user_t *actor, int64_t request_id, const char *note, int64_t now,
                    int64_t *item_id, err_t *err)
{
	if (request_id <= 0)
		return err_set(err, 422, "required", "request_id", "request_id is required");
	struct rref q;
	int rc = load_request(db, a, request_id, &q);
	if (rc < 0)
		return db_fail(err, db, DB_ERR, "reading the request");
	/* others propose what they may see (and learn nothing of the rest) */
	int vis = rc > 0 && !meetings_can_convene(db, actor) ? request_visible(db, actor, request_id) : rc;
	if (vis < 0)
		return db_fail(err, db, DB_ERR, "reading the request");
	if (vis == 0)
		return unknown_request(err, request_id);
	struct meeting_item_in in = { .kind = q.kind_inspection ? "finding" : "request", .request_id = request_id,
	                              .note = note };
	return meeting_item_add(db, a, actor, 0, &in, now, item_id, err);
}

/* ---- decisions ---- */

/* Task i's assignee and deadline (into due, *prov) from the meeting's day. */
static int check_task(db_t *db, arena_t *a, const struct meeting_task_in *t, size_t i, const char *held_on,
                      char due[DATE_LEN], int *prov, err_t *err)
{
	const char *f = arena_printf(a, "tasks[%zu]", i);
	if (required(t->title, arena_printf(a, "%s.title", f), err) < 0 ||
	    text(t->title, arena_printf(a, "%s.title", f), MEETING_TASK_MAX, 1, err) < 0)
		return -1;
	if ((t->department_id > 0) == (t->street_id > 0))
		return err_set(err, 422, "task_assignee", f, "a task falls to one department or one street: give department_id"
		               " or street_id");
	int street = t->street_id > 0;
	if (known(db, street, street ? t->street_id : t->department_id,
	          arena_printf(a, "%s.%s", f, street ? "street_id" : "department_id"), err) < 0)
		return -1;
	const char *fd = arena_printf(a, "%s.due_on", f);
	*prov = 0;
	if (t->due_on && *t->due_on) {
		if (t->due_workdays)
			return err_set(err, 422, "invalid", fd, "give due_workdays or due_on, not both");
		if (date_field(t->due_on, fd, err) < 0)
			return -1;
		if (strcmp(t->due_on, held_on) < 0) {
			err_set(err, 422, "due_before_meeting", fd, "the deadline %s is before the meeting (%s)", t->due_on, held_on);
			err_param(err, "value", "%s", t->due_on);
			return err_param(err, "held_on", "%s", held_on);
		}
		snprintf(due, DATE_LEN, "%s", t->due_on);
		return 0;
	}
	if (t->due_workdays == 0)
		return err_set(err, 422, "required", fd, "a task needs due_workdays (working days after the meeting) or due_on");
	if (t->due_workdays < 1 || t->due_workdays > 999) {
		err_set(err, 422, "invalid", arena_printf(a, "%s.due_workdays", f), "due_workdays is from 1 to 999");
		return err_param(err, "max", "999");
	}
	if (calendar_due(db, held_on, 0, (int)t->due_workdays, due, prov) < 0)
		return db_fail(err, db, DB_ERR, "reading the calendar");
	return 0;
}

static int exec_id(db_t *db, const char *sql, int64_t id, err_t *err)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the decision");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "saving the decision");
}

static int save_partners(db_t *db, int64_t item, const struct meeting_decision_in *in, err_t *err)
{
	if (exec_id(db, "DELETE FROM meeting_item_partners WHERE item_id = $1", item, err) < 0)
		return -1;
	for (int k = 0; k < 2; k++) {
		const int64_t *ids = k ? in->partner_streets : in->partner_departments;
		size_t n = k ? in->npartner_streets : in->npartner_departments;
		for (size_t i = 0; i < n; i++) {
			db_stmt_t *st = db_prepare(db, k ? "INSERT INTO meeting_item_partners (item_id, street_id) VALUES ($1, $2)"
			                                 : "INSERT INTO meeting_item_partners (item_id, department_id) VALUES ($1, $2)");
			if (st == NULL)
				return db_fail(err, db, DB_ERR, "saving the partners");
			db_bind_int(st, 1, item);
			db_bind_int(st, 2, ids[i]);
			int rc = db_step(st);
			db_done(st);
			if (rc != DB_DONE)
				return db_fail(err, db, rc, "saving the partners");
		}
	}
	return 0;
}

static int save_task(db_t *db, int64_t item, const struct meeting_task_in *t, const char *due, int prov, int64_t now,
                     err_t *err)
{
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO meeting_tasks (item_id, title, department_id, street_id, due_workdays, due_on, due_provisional,"
		" created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the tasks");
	db_bind_int(st, 1, item);
	db_bind_text(st, 2, t->title);
	t->department_id > 0 ? db_bind_int(st, 3, t->department_id) : db_bind_null(st, 3);
	t->street_id > 0 ? db_bind_int(st, 4, t->street_id) : db_bind_null(st, 4);
	db_bind_int(st, 5, t->due_on && *t->due_on ? 0 : t->due_workdays);
	db_bind_text(st, 6, due);
	db_bind_int(st, 7, prov != 0);
	db_bind_int(st, 8, now);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "saving the tasks");
}

/* The item of the meeting: its kind and request (0 none); 0, or -1. */
static int find_item(db_t *db, int64_t meeting, int64_t item, int64_t *request, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT COALESCE(request_id, 0) FROM meeting_items WHERE id = $1 AND meeting_id = $2");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the item");
	db_bind_int(st, 1, item);
	db_bind_int(st, 2, meeting);
	int rc = db_step(st);
	*request = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc == DB_DONE)
		return err_set(err, 404, "not_found", "item_id", "no such item on this meeting's agenda");
	return rc == DB_ROW ? 0 : db_fail(err, db, rc, "reading the item");
}

/* The lead department's name (arena a), or NULL for none. */
static const char *dept_name(db_t *db, arena_t *a, int64_t id)
{
	db_stmt_t *st = db_prepare(db, "SELECT name FROM departments WHERE id = $1");
	if (st == NULL)
		return NULL;
	db_bind_int(st, 1, id);
	const char *n = db_step(st) == DB_ROW ? arena_strdup(a, db_col_text(st, 0)) : NULL;
	db_done(st);
	return n;
}

static int check_decision(db_t *db, arena_t *a, const struct meeting_decision_in *in, const char *held_on,
                          char (*due)[DATE_LEN], int *prov, err_t *err)
{
	if (required(in->decision, "decision", err) < 0 ||
	    text(in->decision, "decision", MEETING_DECISION_MAX, 1, err) < 0)
		return -1;
	if (in->lead_department_id && known(db, 0, in->lead_department_id, "lead_department_id", err) < 0)
		return -1;
	if (known_all(db, a, 0, in->partner_departments, in->npartner_departments, "partners.departments", err) < 0 ||
	    known_all(db, a, 1, in->partner_streets, in->npartner_streets, "partners.streets", err) < 0)
		return -1;
	if (in->ntasks > MEETING_LIST_MAX) {
		err_set(err, 422, "invalid", "tasks", "at most %d tasks", MEETING_LIST_MAX);
		return err_param(err, "max", "%d", MEETING_LIST_MAX);
	}
	for (size_t i = 0; i < in->ntasks; i++)
		if (check_task(db, a, &in->tasks[i], i, held_on, due[i], &prov[i], err) < 0)
			return -1;
	return 0;
}

int meeting_decide(db_t *db, arena_t *a, const user_t *actor, int64_t meeting_id, int64_t item_id,
                   const struct meeting_decision_in *in, int64_t now, err_t *err)
{
	struct mrow m;
	int64_t request = 0;
	if (find_meeting(db, meeting_id, &m, err) < 0 || find_item(db, meeting_id, item_id, &request, err) < 0)
		return -1;
	if (!meetings_can_convene(db, actor))
		return forbidden(err, actor);
	char (*due)[DATE_LEN] = arena_alloc(a, (in->ntasks + 1) * DATE_LEN);
	int *prov = arena_alloc(a, (in->ntasks + 1) * sizeof *prov);
	if (check_decision(db, a, in, m.held_on, due, prov, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db,
		"UPDATE meeting_items SET decision = $2, lead_department_id = $3, decided_at = $4 WHERE id = $1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the decision");
	db_bind_int(st, 1, item_id);
	db_bind_text(st, 2, in->decision);
	in->lead_department_id > 0 ? db_bind_int(st, 3, in->lead_department_id) : db_bind_null(st, 3);
	db_bind_int(st, 4, now);
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return db_fail(err, db, rc, "saving the decision");
	if (save_partners(db, item_id, in, err) < 0 ||
	    exec_id(db, "DELETE FROM meeting_tasks WHERE item_id = $1", item_id, err) < 0)
		return -1;
	for (size_t i = 0; i < in->ntasks; i++)
		if (save_task(db, item_id, &in->tasks[i], due[i], prov[i], now, err) < 0)
			return -1;
	if (request <= 0)
		return 0;
	const char *lead = in->lead_department_id > 0 ? dept_name(db, a, in->lead_department_id) : NULL;
	json_t *d = json_pack("{s:I,s:s,s:s,s:s}", "meeting_id", (json_int_t)meeting_id, "meeting_title", m.title,
	                      "held_on", m.held_on, "decision", in->decision);
	json_object_set_new(d, "lead_department", lead ? json_string(lead) : json_null());
	return request_take_over(db, actor, request, in->lead_department_id, "meeting_decided", d, now, err);
}

/* ---- tasks ---- */

int meeting_task_update(db_t *db, arena_t *a, const user_t *actor, int64_t id, const char *status, const char *note,
                        int64_t now, err_t *err)
{
	(void)a;
	db_stmt_t *st = db_prepare(db, "SELECT COALESCE(department_id, 0), COALESCE(street_id, 0) FROM meeting_tasks"
	                               " WHERE id = $1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the task");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	int64_t dept = rc == DB_ROW ? db_col_int(st, 0) : 0, street = rc == DB_ROW ? db_col_int(st, 1) : 0;
	db_done(st);
	if (rc == DB_DONE)
		return err_set(err, 404, "not_found", "id", "no such task");
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "reading the task");
	int64_t my_street = user_street_id(db, actor);
	int mine = actor && actor->role_bit == ROLE_DEPARTMENT &&
	           ((dept > 0 && dept == actor->department_id) || (street > 0 && street == my_street));
	if (!mine && !meetings_can_convene(db, actor)) {
		err_set(err, 403, "forbidden", NULL, "the task falls to another department or street");
		return err_param(err, "role", "%s", actor ? actor->role : "");
	}
	if (required(status, "status", err) < 0)
		return -1;
	int done = strcmp(status, "done") == 0;
	if (!done && strcmp(status, "open") != 0) {
		err_set(err, 422, "invalid", "status", "status is done or open");
		return err_param(err, "value", "%s", status);
	}
	if (text(note, "note", REQUEST_NOTE_MAX, 1, err) < 0)
		return -1;
	char today[DATE_LEN];
	date_format(date_of_unix(now), today);
	st = db_prepare(db, "UPDATE meeting_tasks SET status = $2, done_on = $3, done_note = $4, done_by = $5,"
	                    " updated_at = $6 WHERE id = $1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the task");
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, status);
	db_bind_text(st, 3, done ? today : "");
	db_bind_text(st, 4, note ? note : "");
	done && actor && actor->id > 0 ? db_bind_int(st, 5, actor->id) : db_bind_null(st, 5);
	db_bind_int(st, 6, now);
	rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "saving the task");
}

/* The deadlines given in working days counted again from their meeting's
 * day: meeting's tasks (its day moved), or with meeting 0 every
 * provisional one.  The number changed, or -1. */
static int recompute(db_t *db, int64_t meeting)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT t.id, m.held_on, t.due_workdays, t.due_on, t.due_provisional FROM meeting_tasks t"
		" JOIN meeting_items i ON i.id = t.item_id"
		" JOIN meetings m ON m.id = i.meeting_id WHERE t.due_workdays > 0"
		" AND ((CAST($1 AS BIGINT) = 0 AND t.due_provisional = 1) OR m.id = $1) ORDER BY t.id");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, meeting);
	struct row {
		int64_t id, n;
		char held[DATE_LEN], due[DATE_LEN];
		int was_prov;           /* stored */
		int changed, prov;      /* computed: due or the flag is new */
	} *rows = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct row *t = realloc(rows, cap * sizeof *rows);
			if (t == NULL) {
				rc = DB_ERR;
				break;
			}
			rows = t;
		}
		rows[n].id = db_col_int(st, 0);
		rows[n].changed = rows[n].prov = 0;
		rows[n].was_prov = db_col_int(st, 4) != 0;
		snprintf(rows[n].held, DATE_LEN, "%s", db_col_text(st, 1));
		rows[n].n = db_col_int(st, 2);
		snprintf(rows[n].due, DATE_LEN, "%s", db_col_text(st, 3));
		n++;
	}
	db_done(st);
	/* computed on the calendar read once, the changed ones staged with one
	 * bulk write and written with one UPDATE */
	int count = rc == DB_DONE ? 0 : -1;
	calendar_memo_t *m = count == 0 ? calendar_memo_new(db) : NULL;
	if (count == 0 && m == NULL)
		count = -1;
	for (size_t i = 0; count >= 0 && i < n; i++) {
		char due[DATE_LEN];
		int prov = 0;
		if (calendar_due_memo(m, rows[i].held, 0, (int)rows[i].n, due, &prov) < 0) {
			count = -1;
			break;
		}
		/* unchanged: the same date and the same flag (a date no longer
		 * provisional once its year is loaded loses the flag even when
		 * the day stays the same) */
		if (strcmp(due, rows[i].due) == 0 && prov == rows[i].was_prov)
			continue;
		snprintf(rows[i].due, DATE_LEN, "%s", due);
		rows[i].changed = 1;
		rows[i].prov = prov;
		count++;
	}
	calendar_memo_free(m);
	if (count > 0) {
		rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS task_due_stage (id BIGINT NOT NULL, due_on TEXT NOT NULL,"
		                 " due_prov INTEGER NOT NULL)");
		if (rc == DB_OK)
			rc = db_stage_clear(db, "task_due_stage");
		if (rc == DB_OK) {
			db_copy_t *c = db_copy_begin(db, "task_due_stage", "id, due_on, due_prov", 3);
			for (size_t i = 0; i < n; i++)
				if (rows[i].changed) {
					db_copy_int(c, rows[i].id);
					db_copy_text(c, rows[i].due);
					db_copy_int(c, rows[i].prov);
					db_copy_row(c);
				}
			rc = db_copy_end(c);
		}
		if (rc == DB_OK)
			rc = db_exec(db, "UPDATE meeting_tasks SET due_on = s.due_on, due_provisional = s.due_prov"
			                 " FROM task_due_stage s WHERE meeting_tasks.id = s.id");
		if (rc == DB_OK)
			rc = db_stage_clear(db, "task_due_stage");
		if (rc != DB_OK)
			count = -1;
	}
	free(rows);
	return count;
}

int meeting_tasks_recompute(db_t *db, int year)
{
	(void)year;   /* a provisional date may count through any year not loaded: all are counted again */
	return recompute(db, 0);
}

/* ---- reading ---- */

/* {id, name[, name_en]} of the current row's columns i.. (NULL id: null). */
static json_t *ref_json(db_stmt_t *st, int i, int with_en)
{
	if (db_col_isnull(st, i))
		return json_null();
	json_t *o = json_pack("{s:I,s:s}", "id", (json_int_t)db_col_int(st, i), "name", db_col_text(st, i + 1));
	if (with_en)
		json_object_set_new(o, "name_en", json_string(db_col_text(st, i + 2)));
	return o;
}

/* {departments:[…], streets:[…]} by the two id queries; NULL on error. */
static json_t *pair_json(db_t *db, const char *dsql, const char *ssql, int64_t id)
{
	json_t *d = rows_json_by_id(db, dsql, id, "iss"), *s = d ? rows_json_by_id(db, ssql, id, "iss") : NULL;
	if (s == NULL) {
		json_decref(d);
		return NULL;
	}
	return json_pack("{s:o,s:o}", "departments", d, "streets", s);
}

json_t *meeting_json(db_t *db, int64_t id)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT m.id, m.title, m.held_on, m.starts_at, m.place, m.chair, m.level, m.status, m.convener_id,"
		" u.display_name, (SELECT count(*) FROM meeting_items i WHERE i.meeting_id = m.id),"
		" (SELECT count(*) FROM meeting_tasks t JOIN meeting_items i ON i.id = t.item_id WHERE i.meeting_id = m.id),"
		" (SELECT count(*) FROM meeting_tasks t JOIN meeting_items i ON i.id = t.item_id WHERE i.meeting_id = m.id"
		"  AND t.status = 'open'), m.created_at, m.updated_at"
		" FROM meetings m LEFT JOIN users u ON u.id = m.convener_id WHERE m.id = $1");
	if (st == NULL)
		return NULL;
	db_bind_int(st, 1, id);
	json_t *o = NULL;
	if (db_step(st) == DB_ROW) {
		o = json_object();
		static const char *const keys[] = { "title", "held_on", "starts_at", "place", "chair", "level", "status" };
		json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
		for (int i = 0; i < 7; i++)
			json_object_set_new(o, keys[i], json_string(db_col_text(st, 1 + i)));
		json_object_set_new(o, "convener", ref_json(st, 8, 0));
		json_object_set_new(o, "item_count", json_integer(db_col_int(st, 10)));
		json_object_set_new(o, "task_count", json_integer(db_col_int(st, 11)));
		json_object_set_new(o, "open_task_count", json_integer(db_col_int(st, 12)));
		json_object_set_new(o, "created_at", json_integer(db_col_int(st, 13)));
		json_object_set_new(o, "updated_at", json_integer(db_col_int(st, 14)));
	}
	db_done(st);
	if (o == NULL)
		return NULL;
	json_t *p = pair_json(db,
		"SELECT d.id, d.name, d.name_en FROM meeting_participants p JOIN departments d ON d.id = p.department_id"
		" WHERE p.meeting_id = $1 ORDER BY d.id",
		"SELECT s.id, s.name, s.name_en FROM meeting_participants p JOIN streets s ON s.id = p.street_id"
		" WHERE p.meeting_id = $1 ORDER BY s.id", id);
	if (p == NULL) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "participants", p);
	return o;
}

json_t *meeting_tasks_json(db_t *db, const struct meeting_task_filter *f)
{
	char today[DATE_LEN];
	date_format(date_of_unix(now_sec()), today);
	db_stmt_t *st = db_prepare(db,
		"SELECT t.id, t.title, t.department_id, d.name, t.street_id, s.name, t.due_on, t.due_provisional, t.status,"
		" t.done_on, t.done_note, CASE WHEN t.status = 'open' AND t.due_on < $1 THEN 1 ELSE 0 END,"
		" m.id, m.title, m.held_on, i.id, i.title, i.request_id, t.due_workdays"
		" FROM meeting_tasks t JOIN meeting_items i ON i.id = t.item_id JOIN meetings m ON m.id = i.meeting_id"
		" LEFT JOIN departments d ON d.id = t.department_id LEFT JOIN streets s ON s.id = t.street_id"
		" WHERE (CAST($2 AS BIGINT) = 0 OR t.id = $2) AND (CAST($3 AS BIGINT) = 0 OR i.id = $3)"
		" AND (CAST($4 AS BIGINT) = 0 OR m.id = $4)"
		" AND ((CAST($5 AS BIGINT) = 0 AND CAST($6 AS BIGINT) = 0) OR t.department_id = $5 OR t.street_id = $6)"
		" AND ((CAST($7 AS BIGINT) = 0 AND CAST($8 AS BIGINT) = 0) OR t.department_id = $7 OR t.street_id = $8"
		"  OR EXISTS (SELECT 1 FROM meeting_participants p WHERE p.meeting_id = m.id"
		"   AND (p.department_id = $7 OR p.street_id = $8)))"
		" AND (CAST($9 AS TEXT) IS NULL OR t.status = $9) AND (CAST($10 AS TEXT) IS NULL OR m.held_on < $10)"
		" ORDER BY t.due_on, t.id");
	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, today);
	const int64_t ids[7] = { f->id, f->item, f->meeting, f->mine_dept, f->mine_street, f->scope_dept, f->scope_street };
	for (int i = 0; i < 7; i++)
		db_bind_int(st, 2 + i, ids[i]);
	db_bind_text(st, 9, f->status);
	db_bind_text(st, 10, f->before);
	json_t *arr = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *o = json_pack("{s:I,s:s}", "id", (json_int_t)db_col_int(st, 0), "title", db_col_text(st, 1));
		json_object_set_new(o, "department", ref_json(st, 2, 0));
		json_object_set_new(o, "street", ref_json(st, 4, 0));
		json_object_set_new(o, "due_on", json_string(db_col_text(st, 6)));
		json_object_set_new(o, "due_workdays", db_col_int(st, 18) > 0 ? json_integer(db_col_int(st, 18)) : json_null());
		json_object_set_new(o, "due_provisional", json_boolean(db_col_int(st, 7)));
		json_object_set_new(o, "status", json_string(db_col_text(st, 8)));
		json_object_set_new(o, "done_on", *db_col_text(st, 9) ? json_string(db_col_text(st, 9)) : json_null());
		json_object_set_new(o, "done_note", json_string(db_col_text(st, 10)));
		json_object_set_new(o, "overdue", json_boolean(db_col_int(st, 11)));
		json_object_set_new(o, "meeting", json_pack("{s:I,s:s,s:s}", "id", (json_int_t)db_col_int(st, 12), "title",
		                                            db_col_text(st, 13), "held_on", db_col_text(st, 14)));
		json_t *item = json_pack("{s:I,s:s}", "id", (json_int_t)db_col_int(st, 15), "title", db_col_text(st, 16));
		json_object_set_new(item, "request_id", db_col_isnull(st, 17) ? json_null() : json_integer(db_col_int(st, 17)));
		json_object_set_new(o, "item", item);
		json_array_append_new(arr, o);
	}
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* The item's own row as JSON (without partners and tasks); NULL none. */
static json_t *item_row_json(db_t *db, int64_t item_id)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT i.id, i.kind, i.title, i.note, i.decision, i.decided_at, i.proposed_at, i.proposed_by, u.display_name,"
		" i.lead_department_id, d.name, i.request_id, r.title, r.status, r.enterprise_id, e.name, i.meeting_id, m.title,"
		" m.held_on, m.status FROM meeting_items i LEFT JOIN users u ON u.id = i.proposed_by"
		" LEFT JOIN departments d ON d.id = i.lead_department_id LEFT JOIN requests r ON r.id = i.request_id"
		" LEFT JOIN enterprises e ON e.id = r.enterprise_id LEFT JOIN meetings m ON m.id = i.meeting_id WHERE i.id = $1");
	if (st == NULL)
		return NULL;
	db_bind_int(st, 1, item_id);
	json_t *o = NULL;
	if (db_step(st) == DB_ROW) {
		o = json_pack("{s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)db_col_int(st, 0), "kind", db_col_text(st, 1), "title",
		              db_col_text(st, 2), "note", db_col_text(st, 3), "decision", db_col_text(st, 4));
		json_object_set_new(o, "decided_at", db_col_isnull(st, 5) ? json_null() : json_integer(db_col_int(st, 5)));
		json_object_set_new(o, "proposed_at", json_integer(db_col_int(st, 6)));
		json_object_set_new(o, "proposed_by", ref_json(st, 7, 0));
		json_object_set_new(o, "lead_department", ref_json(st, 9, 0));
		json_t *rq = json_null();
		if (!db_col_isnull(st, 11)) {
			rq = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)db_col_int(st, 11), "title", db_col_text(st, 12), "status",
			               db_col_text(st, 13));
			json_object_set_new(rq, "enterprise", ref_json(st, 14, 0));
		}
		json_object_set_new(o, "request", rq);
		json_t *mt = json_null();
		if (!db_col_isnull(st, 16))
			mt = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)db_col_int(st, 16), "title", db_col_text(st, 17),
			               "held_on", db_col_text(st, 18), "status", db_col_text(st, 19));
		json_object_set_new(o, "meeting", mt);
	}
	db_done(st);
	return o;
}

json_t *meeting_item_json(db_t *db, int64_t item_id)
{
	json_t *o = item_row_json(db, item_id);
	if (o == NULL)
		return NULL;
	json_t *p = pair_json(db,
		"SELECT d.id, d.name, d.name_en FROM meeting_item_partners p JOIN departments d ON d.id = p.department_id"
		" WHERE p.item_id = $1 ORDER BY d.id",
		"SELECT s.id, s.name, s.name_en FROM meeting_item_partners p JOIN streets s ON s.id = p.street_id"
		" WHERE p.item_id = $1 ORDER BY s.id", item_id);
	struct meeting_task_filter f = { .item = item_id };
	json_t *t = p ? meeting_tasks_json(db, &f) : NULL;
	if (t == NULL) {
		json_decref(p);
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "partners", p);
	json_object_set_new(o, "tasks", t);
	return o;
}

json_t *meeting_full_json(db_t *db, int64_t id)
{
	json_t *o = meeting_json(db, id);
	if (o == NULL)
		return NULL;
	db_stmt_t *st = db_prepare(db, "SELECT id FROM meeting_items WHERE meeting_id = $1 ORDER BY sort, id");
	if (st == NULL) {
		json_decref(o);
		return NULL;
	}
	db_bind_int(st, 1, id);
	int64_t ids[512];
	size_t n = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW && n < sizeof ids / sizeof ids[0])
		ids[n++] = db_col_int(st, 0);
	db_done(st);
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++) {
		json_t *it = meeting_item_json(db, ids[i]);
		if (it == NULL) {
			json_decref(items);
			items = NULL;
		} else {
			json_array_append_new(items, it);
		}
	}
	struct meeting_task_filter f = { .status = "open", .before = json_string_value(json_object_get(o, "held_on")) };
	json_t *carried = items && (rc == DB_DONE || rc == DB_ROW) ? meeting_tasks_json(db, &f) : NULL;
	if (carried == NULL) {
		json_decref(items);
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "items", items);
	json_object_set_new(o, "carried_tasks", carried);
	return o;
}
