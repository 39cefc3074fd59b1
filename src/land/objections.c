/*
 * objections.c -- an enterprise's objection to its published result (异议):
 * a text and up to LAND_OBJ_FILES attachments while the publication runs,
 * a decision by the land bureau (upheld with a new class, or rejected)
 * before the evaluation becomes final.  An enterprise account sees and
 * touches only its own objections (anything else: 404).
 *
 * The files are kept in land_objection_files.data as "\x" and hex digits
 * bound as text: PostgreSQL reads that as the bytes of its bytea column
 * and gives them back in the same form; SQLite keeps the text.  Same SQL,
 * the same bytes back on both.
 */
#include "land/land.h"

#include "notify/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define OBJ_SQL "SELECT o.id, o.evaluation_id, v.year, o.enterprise_id, e.credit_code, e.name, r.class, o.text," \
	" o.state, o.new_class, o.decision_note, o.created_at, o.decided_at FROM land_objections o" \
	" JOIN land_evaluations v ON v.id = o.evaluation_id JOIN enterprises e ON e.id = o.enterprise_id" \
	" LEFT JOIN land_results r ON r.evaluation_id = o.evaluation_id AND r.enterprise_id = o.enterprise_id"

static void audit(req_t *r, int64_t id)
{
	r->audit_entity = "land_objection";
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
}

/* The caller's enterprise when it is an enterprise account, else 0. */
static int64_t own_enterprise(req_t *r)
{
	return r->user->role_bit == ROLE_ENTERPRISE ? (r->user->enterprise_id > 0 ? r->user->enterprise_id : -1) : 0;
}

static int add_files(db_t *db, json_t *o, int64_t id, err_t *err)
{
	json_t *a = json_array();
	json_object_set_new(o, "files", a);
	db_stmt_t *st = db_prepare(db, "SELECT id, name, size, mime FROM land_objection_files WHERE objection_id = $1"
	                               " ORDER BY id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the files");
	db_bind_int(st, 1, id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(a, json_pack("{sI,ss,sI,ss}", "id", (json_int_t)db_col_int(st, 0), "name",
		                                   db_col_text(st, 1), "size", (json_int_t)db_col_int(st, 2), "mime",
		                                   db_col_text(st, 3)));
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "reading the files");
}

static json_t *obj_row(db_stmt_t *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
	json_object_set_new(o, "evaluation_id", json_integer(db_col_int(st, 1)));
	json_object_set_new(o, "year", json_integer(db_col_int(st, 2)));
	json_object_set_new(o, "enterprise_id", json_integer(db_col_int(st, 3)));
	json_object_set_new(o, "credit_code", json_string(db_col_text(st, 4)));
	json_object_set_new(o, "name", json_string(db_col_text(st, 5)));
	json_object_set_new(o, "class", db_col_isnull(st, 6) ? json_null() : json_string(db_col_text(st, 6)));
	json_object_set_new(o, "text", json_string(db_col_text(st, 7)));
	json_object_set_new(o, "state", json_string(db_col_text(st, 8)));
	json_object_set_new(o, "new_class", db_col_isnull(st, 9) ? json_null() : json_string(db_col_text(st, 9)));
	json_object_set_new(o, "decision_note", json_string(db_col_text(st, 10)));
	json_object_set_new(o, "created_at", land_time_json(st, 11));
	json_object_set_new(o, "decided_at", land_time_json(st, 12));
	return o;
}

/* Objection id (of enterprise `only` when > 0; -1: nobody's); NULL with
 * err 404 when there is none such. */
json_t *land_objection_json(db_t *db, int64_t id, int64_t only, err_t *err)
{
	db_stmt_t *st = db_prepare(db, OBJ_SQL " WHERE o.id = $1");
	if (st == NULL) {
		db_fail(err, db, DB_ERR, "reading the objection");
		return NULL;
	}
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	json_t *o = rc == DB_ROW && (only == 0 || db_col_int(st, 3) == only) ? obj_row(st) : NULL;
	db_done(st);
	if (o == NULL) {
		if (rc == DB_ROW || rc == DB_DONE)
			err_set(err, 404, "not_found", NULL, "no objection %lld", (long long)id);
		else
			db_fail(err, db, rc, "reading the objection");
		return NULL;
	}
	if (add_files(db, o, id, err) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void reply_objection(req_t *r, int status, int64_t id)
{
	err_t e;
	json_t *o = land_objection_json(r->db, id, own_enterprise(r), &e);
	if (o == NULL)
		reply_err(r, &e);
	else
		reply_json(r, status, o);
}

/* Whether objections to evaluation id are open on the zone's date of
 * now: 1, 0, or -1 (database). */
static int window_open(db_t *db, int64_t eval_id, int64_t now, char until[DATE_LEN])
{
	db_stmt_t *st = db_prepare(db, "SELECT state, publish_until FROM land_evaluations WHERE id = $1");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, eval_id);
	int rc = db_step(st), open = 0;
	if (rc == DB_ROW) {
		char today[DATE_LEN];
		date_format(date_of_unix(now), today);
		snprintf(until, DATE_LEN, "%s", db_col_text(st, 1));
		open = strcmp(db_col_text(st, 0), "published") == 0 && strcmp(today, until) <= 0;
	}
	db_done(st);
	return rc == DB_ROW || rc == DB_DONE ? open : -1;
}

static int err_not_open(err_t *err, const char *until)
{
	err_set(err, 409, "not_open", NULL, "objections are not open for this evaluation");
	if (*until)
		err_param(err, "until", "%s", until);
	return -1;
}

static void not_open(req_t *r, const char *until)
{
	err_t e;
	err_not_open(&e, until);
	reply_err(r, &e);
}

/* The ids a query without parameters gives (malloc'd into *ids, *n).
 * DB_DONE, or a DB_ code. */
static int ids_of(db_t *db, const char *sql, int64_t **ids, int *n)
{
	*ids = NULL;
	*n = 0;
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return DB_ERR;
	int rc, cap = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			int64_t *more = realloc(*ids, (size_t)(cap = cap ? cap * 2 : 8) * sizeof **ids);
			if (more == NULL) {
				rc = DB_ERR;
				break;
			}
			*ids = more;
		}
		(*ids)[(*n)++] = db_col_int(st, 0);
	}
	db_done(st);
	return rc;
}

/* An objection filed: the land office hears of it (issue 13), once -- the
 * land bureau's departments (departments.land_bureau, who decide it with
 * the admins), the admins and the leaders. */
static int objection_notify(db_t *db, int64_t id, int64_t eval_id, int64_t ent, int64_t now, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT v.year, e.name FROM land_evaluations v, enterprises e"
	                               " WHERE v.id = $1 AND e.id = $2");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the objection");
	db_bind_int(st, 1, eval_id);
	db_bind_int(st, 2, ent);
	json_t *pl = NULL;
	if (db_step(st) == DB_ROW)
		pl = json_pack("{s:o, s:s, s:o}", "title", json_sprintf("%lld年度亩均效益评价", (long long)db_col_int(st, 0)),
		               "enterprise", db_col_text(st, 1), "path",
		               json_sprintf("#/land/objections?evaluation=%lld", (long long)eval_id));
	db_done(st);
	struct notify_to to = { .leaders = 1 };
	int64_t *admins = NULL, *bureaus = NULL;
	int rc = pl ? ids_of(db, "SELECT id FROM users WHERE role = 'admin' ORDER BY id", &admins, &to.nusers) : DB_ERR;
	if (rc == DB_DONE)
		rc = ids_of(db, "SELECT id FROM departments WHERE land_bureau = 1 ORDER BY id", &bureaus, &to.ndepts);
	if (rc == DB_DONE) {
		char key[64];
		snprintf(key, sizeof key, "%s:%lld", NE_OBJECTION_FILED, (long long)id);
		to.users = admins;
		to.depts = bureaus;
		rc = notify_emit(db, NE_OBJECTION_FILED, key, "land_objection", id, pl, &to, now, NULL);
	}
	free(admins);
	free(bureaus);
	json_decref(pl);
	return rc == DB_OK ? 0 : db_fail(err, db, rc == DB_ROW ? DB_ERR : rc, "recording the notice");
}

int land_objection_create(db_t *db, int64_t eval_id, int64_t ent, const char *text, int64_t actor, int64_t now,
                          int64_t *id, err_t *err)
{
	char ids[2][24];
	snprintf(ids[0], sizeof ids[0], "%lld", (long long)eval_id);
	snprintf(ids[1], sizeof ids[1], "%lld", (long long)ent);
	const char *p[2] = { ids[0], ids[1] };
	/* its own result in a published or final evaluation, or nothing to object to */
	int64_t has = db_int1(db, "SELECT count(*) FROM land_results r JOIN land_evaluations v ON v.id = r.evaluation_id"
	                          " WHERE r.evaluation_id = CAST($1 AS BIGINT) AND r.enterprise_id = CAST($2 AS BIGINT)"
	                          " AND v.state <> 'draft'", -1, 2, p);
	if (has < 0)
		return db_fail(err, db, DB_ERR, "reading the result");
	if (has == 0)
		return err_set(err, 404, "not_found", NULL, "no result of yours in evaluation %lld", (long long)eval_id);
	if (text == NULL || *text == '\0' || !text_ok(text, 4000, 1)) {
		err_set(err, 422, "invalid_parameter", "text", "text is required: at most 4000 characters");
		return err_param(err, "max", "4000");
	}
	char until[DATE_LEN] = "";
	int open = window_open(db, eval_id, now, until);
	if (open < 0)
		return db_fail(err, db, DB_ERR, "reading the evaluation");
	if (!open)
		return err_not_open(err, until);
	db_stmt_t *st = db_prepare(db, "INSERT INTO land_objections (evaluation_id, enterprise_id, text, created_by,"
	                               " created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id");
	int rc = DB_ERR;
	if (st) {
		db_bind_int(st, 1, eval_id);
		db_bind_int(st, 2, ent);
		db_bind_text(st, 3, text);
		if (actor > 0)
			db_bind_int(st, 4, actor);
		else
			db_bind_null(st, 4);
		db_bind_int(st, 5, now);
		rc = db_step(st);
		if (rc == DB_ROW)
			*id = db_col_int(st, 0);
		db_done(st);
	}
	if (rc == DB_CONSTRAINT)
		return err_set(err, 409, "conflict", NULL, "the enterprise has objected to this evaluation already");
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "saving the objection");
	return objection_notify(db, *id, eval_id, ent, now, err);
}

void api_land_objections_create(req_t *r)
{
	json_t *o = req_object(r);
	static const char *const fields[] = { "text", NULL };
	const char *text = NULL;
	if (o == NULL || body_unknown_field(r, o, fields) || body_str(r, o, "text", &text) < 0)
		return;
	int64_t id = 0;
	err_t e;
	if (land_objection_create(r->db, req_param_id(r, 0), own_enterprise(r), text, r->user->id, now_sec(), &id,
	                          &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit(r, id);
	reply_objection(r, 201, id);
}

void api_land_objections_list(req_t *r)
{
	int64_t eval_id;
	if (req_query_id(r, "evaluation_id", &eval_id) < 0)
		return;
	const char *state = req_query(r, "state");
	if (state && *state && strcmp(state, "open") && strcmp(state, "upheld") && strcmp(state, "rejected")) {
		reply_error(r, 422, "invalid_parameter", "state", "state is open, upheld or rejected");
		return;
	}
	db_stmt_t *st = db_prepare(r->db, OBJ_SQL " WHERE (CAST($1 AS BIGINT) = 0 OR o.evaluation_id = CAST($1 AS BIGINT))"
	                                  " AND (CAST($2 AS TEXT) = '' OR o.state = CAST($2 AS TEXT))"
	                                  " AND (CAST($3 AS BIGINT) = 0 OR o.enterprise_id = CAST($3 AS BIGINT))"
	                                  " ORDER BY o.created_at DESC, o.id DESC");
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "land_objections");
		return;
	}
	db_bind_int(st, 1, eval_id);
	db_bind_text(st, 2, state ? state : "");
	db_bind_int(st, 3, own_enterprise(r));
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, obj_row(st));
	db_done(st);
	err_t e;
	size_t i;
	json_t *v;
	json_array_foreach(items, i, v) {
		if (rc == DB_DONE && add_files(r->db, v, json_integer_value(json_object_get(v, "id")), &e) < 0)
			rc = DB_ERR;
	}
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "land_objections");
		return;
	}
	reply_json(r, 200, json_pack("{so}", "items", items));
}

void api_land_objection_get(req_t *r)
{
	reply_objection(r, 200, req_param_id(r, 0));
}

/* ---- files ---- */

static const char *mime_of(const char *name)
{
	static const char *const types[][2] = {
		{ ".pdf", "application/pdf" }, { ".png", "image/png" }, { ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" },
		{ ".txt", "text/plain" }, { ".zip", "application/zip" },
		{ ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ ".doc", "application/msword" }, { ".xls", "application/vnd.ms-excel" },
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcasecmp(dot, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

/* The body as "\x" + hex (malloc'd), or NULL. */
static char *body_hex(req_t *r)
{
	char *out = malloc(r->body_len * 2 + 3);
	unsigned char *raw = r->body_spooled ? malloc(r->body_len ? r->body_len : 1) : NULL;
	if (out == NULL || (r->body_spooled && raw == NULL)) {
		free(out);
		free(raw);
		return NULL;
	}
	const unsigned char *data = (const unsigned char *)r->body;
	if (r->body_spooled) {
		size_t got = 0;
		while (got < r->body_len) {
			ssize_t k = pread(r->body_fd, raw + got, r->body_len - got, (off_t)got);
			if (k <= 0)
				break;
			got += (size_t)k;
		}
		if (got != r->body_len) {
			free(out);
			free(raw);
			return NULL;
		}
		data = raw;
	}
	out[0] = '\\', out[1] = 'x';
	hex_encode(out + 2, data, r->body_len);
	free(raw);
	return out;
}

static int64_t count_files(db_t *db, int64_t id)
{
	char t[24];
	snprintf(t, sizeof t, "%lld", (long long)id);
	const char *p[1] = { t };
	return db_int1(db, "SELECT count(*) FROM land_objection_files WHERE objection_id = CAST($1 AS BIGINT)", -1, 1, p);
}

/* 0 when the upload may be stored, or -1 after replying. */
static int file_admit(req_t *r, int64_t id, const json_t *obj, const char *name)
{
	char until[DATE_LEN] = "";
	int open = window_open(r->db, json_integer_value(json_object_get(obj, "evaluation_id")), now_sec(), until);
	if (open < 0) {
		reply_db_error(r, DB_ERR, "land_evaluations");
		return -1;
	}
	if (!open || strcmp(json_string_value(json_object_get(obj, "state")), "open") != 0) {
		not_open(r, until);
		return -1;
	}
	err_t e;
	if (name == NULL || *name == '\0' || !text_ok(name, 200, 0) || strpbrk(name, "/\\")) {
		err_set(&e, 422, "invalid_parameter", "filename", "filename is required: at most 200 characters, no / or \\");
		err_param(&e, "field", "filename");
		reply_err(r, &e);
		return -1;
	}
	if (r->body_len == 0) {
		reply_error(r, 422, "invalid_parameter", "body", "the file is empty");
		return -1;
	}
	int64_t n = count_files(r->db, id);
	if (n < 0) {
		reply_db_error(r, DB_ERR, "land_objection_files");
		return -1;
	}
	if (n >= LAND_OBJ_FILES) {
		err_set(&e, 422, "too_many_files", "filename", "an objection has at most %d files", LAND_OBJ_FILES);
		err_param(&e, "max", "%d", LAND_OBJ_FILES);
		reply_err(r, &e);
		return -1;
	}
	return 0;
}

void api_land_objection_file_add(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	err_t e;
	json_t *obj = land_objection_json(r->db, id, own_enterprise(r), &e);
	if (obj == NULL) {
		reply_err(r, &e);
		return;
	}
	const char *name = req_query(r, "filename");
	if (file_admit(r, id, obj, name) < 0) {
		json_decref(obj);
		return;
	}
	json_decref(obj);
	char *hex = body_hex(r);
	if (hex == NULL) {
		reply_error(r, 500, "internal", NULL, "the upload cannot be read");
		return;
	}
	const char *mime = mime_of(name);
	db_stmt_t *st = db_prepare(r->db, "INSERT INTO land_objection_files (objection_id, name, mime, size, data,"
	                                  " created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id");
	int rc = DB_ERR;
	int64_t fid = 0;
	if (st) {
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, name);
		db_bind_text(st, 3, mime);
		db_bind_int(st, 4, (int64_t)r->body_len);
		db_bind_text(st, 5, hex);
		db_bind_int(st, 6, now_sec());
		rc = db_step(st);
		if (rc == DB_ROW)
			fid = db_col_int(st, 0);
		db_done(st);
	}
	free(hex);
	if (rc != DB_ROW) {
		reply_db_error(r, rc, "land_objection_files");
		return;
	}
	audit(r, id);
	reply_json(r, 201, json_pack("{sI,ss,sI,ss}", "id", (json_int_t)fid, "name", name, "size",
	                             (json_int_t)r->body_len, "mime", mime));
}

static int unhex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

void api_land_objection_file_get(req_t *r)
{
	int64_t id = req_param_id(r, 0), fid = req_param_id(r, 1);
	err_t e;
	json_t *obj = land_objection_json(r->db, id, own_enterprise(r), &e);
	if (obj == NULL) {
		reply_err(r, &e);
		return;
	}
	json_decref(obj);
	db_stmt_t *st = db_prepare(r->db, "SELECT name, mime, data FROM land_objection_files"
	                                  " WHERE id = $1 AND objection_id = $2");
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "land_objection_files");
		return;
	}
	db_bind_int(st, 1, fid);
	db_bind_int(st, 2, id);
	int rc = db_step(st);
	if (rc != DB_ROW) {
		db_done(st);
		if (rc == DB_DONE)
			reply_error(r, 404, "not_found", NULL, "no file %lld of objection %lld", (long long)fid, (long long)id);
		else
			reply_db_error(r, rc, "land_objection_files");
		return;
	}
	const char *name = arena_strdup(r->arena, db_col_text(st, 0)), *mime = arena_strdup(r->arena, db_col_text(st, 1));
	const char *hex = db_col_text(st, 2);
	size_t len = strlen(hex), n = 0;
	char *data = malloc(len / 2 + 1);
	if (data && len >= 2 && hex[0] == '\\' && hex[1] == 'x')
		for (size_t i = 2; i + 1 < len; i += 2) {
			int hi = unhex(hex[i]), lo = unhex(hex[i + 1]);
			if (hi < 0 || lo < 0)
				break;
			data[n++] = (char)(hi << 4 | lo);
		}
	db_done(st);
	if (data == NULL) {
		reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	reply_file(r, mime, name, NULL, data, n);
	free(data);
}

/* ---- the decision ---- */

static int decision_of(req_t *r, const char **decision, const char **new_class, const char **note)
{
	json_t *o = req_object(r);
	static const char *const fields[] = { "decision", "new_class", "note", NULL };
	*decision = *new_class = *note = NULL;
	if (o == NULL || body_unknown_field(r, o, fields) || body_str(r, o, "decision", decision) < 0 ||
	    body_str(r, o, "new_class", new_class) < 0 || body_str(r, o, "note", note) < 0)
		return -1;
	err_t e;
	if (*decision == NULL || (strcmp(*decision, "upheld") && strcmp(*decision, "rejected"))) {
		err_set(&e, 422, "invalid_parameter", "decision", "decision is upheld or rejected");
		err_param(&e, "field", "decision");
	} else if (strcmp(*decision, "upheld") == 0 &&
	           (*new_class == NULL || strlen(*new_class) != 1 || !strchr("ABCDT", (*new_class)[0]))) {
		err_set(&e, 422, "invalid_parameter", "new_class", "an upheld objection needs new_class: A, B, C, D or T");
		err_param(&e, "field", "new_class");
	} else if (*note && !text_ok(*note, 2000, 1)) {
		err_set(&e, 422, "invalid_parameter", "note", "note has at most 2000 characters");
		err_param(&e, "field", "note");
	} else {
		if (strcmp(*decision, "rejected") == 0)
			*new_class = NULL;
		return 0;
	}
	reply_err(r, &e);
	return -1;
}

void api_land_objection_decision(req_t *r)
{
	if (!land_require_editor(r))
		return;
	int64_t id = req_param_id(r, 0);
	const char *decision, *new_class, *note;
	if (decision_of(r, &decision, &new_class, &note) < 0)
		return;
	err_t e;
	json_t *obj = land_objection_json(r->db, id, 0, &e);
	if (obj == NULL) {
		reply_err(r, &e);
		return;
	}
	int decided = strcmp(json_string_value(json_object_get(obj, "state")), "open") != 0;
	int64_t eval_id = json_integer_value(json_object_get(obj, "evaluation_id"));
	int64_t ent = json_integer_value(json_object_get(obj, "enterprise_id"));
	json_decref(obj);
	if (decided) {
		land_bad_state(r, "decided", "open");
		return;
	}
	db_stmt_t *st = db_prepare(r->db, "UPDATE land_objections SET state = $2, new_class = $3, decision_note = $4,"
	                                  " decided_by = $5, decided_at = $6 WHERE id = $1");
	int rc = DB_ERR;
	if (st) {
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, decision);
		db_bind_text(st, 3, new_class);
		db_bind_text(st, 4, note ? note : "");
		db_bind_int(st, 5, r->user->id);
		db_bind_int(st, 6, now_sec());
		rc = db_step(st);
		db_done(st);
	}
	if (rc == DB_DONE && new_class &&
	    (st = db_prepare(r->db, "UPDATE land_results SET final_class = $3 WHERE evaluation_id = $1"
	                            " AND enterprise_id = $2"))) {
		db_bind_int(st, 1, eval_id);
		db_bind_int(st, 2, ent);
		db_bind_text(st, 3, new_class);
		rc = db_step(st);
		db_done(st);
	}
	if (rc != DB_DONE) {
		reply_db_error(r, rc, "land_objections");
		return;
	}
	audit(r, id);
	reply_objection(r, 200, id);
}
