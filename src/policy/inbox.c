/*
 * inbox.c -- the enterprise inbox and policy push (政策推送).
 *
 * The inbox holds an enterprise's grants to confirm (one per item of an
 * approved batch), pushes ("you may qualify if ...": a published policy
 * whose condition the enterprise misses by exactly one clause, none
 * unknown), and the updates of its own requests (诉求).  The request updates
 * are not copied: they are derived at read time from the requests' history
 * (every step someone else took), with ids "request-N" (N the event);
 * reading one stores a marker row (kind 'request', created_at the time of
 * the latest step read) so that the steps up to it count as read.
 *
 * 无事不扰: a push goes only to an enterprise that has not muted the
 * policy's code, not twice for a code in a calendar month, and to no
 * enterprise more than setting push_monthly_cap times a month (zone time).
 */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "http/http.h"

/* the request steps shown: those its enterprise's own accounts did not take */
#define REQUEST_EVENTS \
	" FROM request_events ev JOIN requests r ON r.id = ev.request_id" \
	" WHERE r.enterprise_id = $1 AND r.kind = 'request' AND ev.action <> 'create'" \
	" AND (ev.user_id IS NULL OR ev.user_id NOT IN (SELECT u.id FROM users u WHERE u.enterprise_id = $1))"
#define REQUEST_READ \
	"EXISTS (SELECT 1 FROM inbox m WHERE m.enterprise_id = $1 AND m.kind = 'request'" \
	" AND m.request_id = ev.request_id AND m.created_at >= ev.at)"
#define INBOX_MAX 200

static json_t *stored_items(db_t *db, int64_t ent, err_t *err)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT i.id, i.kind, i.batch_id, i.policy_id, p.code, i.item_id, i.request_id, i.amount, i.title, i.body,"
		" i.created_at, i.read_at, bi.state, bi.reason, m.policy_code FROM inbox i"
		" LEFT JOIN policies p ON p.id = i.policy_id LEFT JOIN policy_batch_items bi ON bi.id = i.item_id"
		" LEFT JOIN policy_mutes m ON m.enterprise_id = i.enterprise_id AND m.policy_code = p.code"
		" WHERE i.enterprise_id = $1 AND i.kind <> 'request' ORDER BY i.created_at DESC, i.id DESC LIMIT 200");
	if (st == NULL) {
		db_fail(err, db, DB_ERR, "reading the inbox");
		return NULL;
	}
	db_bind_int(st, 1, ent);
	json_t *a = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *o = row_json(st, "isiisii");
		json_object_set_new(o, "policy_code", db_col_isnull(st, 4) ? json_null() : json_string(db_col_text(st, 4)));
		json_object_set_new(o, "amount", db_col_isnull(st, 7) ? json_null()
		                                 : json_decimal(fact_value_from_stored(db_col_int(st, 7))));
		json_object_set_new(o, "title", json_string(db_col_text(st, 8)));
		json_t *body = json_loads(db_col_text(st, 9), 0, NULL);
		json_object_set_new(o, "body", body ? body : json_object());
		json_object_set_new(o, "created_at", json_integer(db_col_int(st, 10)));
		json_object_set_new(o, "read", json_boolean(!db_col_isnull(st, 11)));
		const char *kind = db_col_text(st, 1);
		const char *state = strcmp(kind, "grant") == 0 ? db_col_text(st, 12)
		                    : db_col_isnull(st, 14) ? "open" : "muted";
		json_object_set_new(o, "state", json_string(state));
		if (strcmp(kind, "grant") == 0)
			json_object_set_new(o, "reason", json_string(db_col_text(st, 13)));
		json_array_append_new(a, o);
	}
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(a);
		db_fail(err, db, rc, "reading the inbox");
		return NULL;
	}
	return a;
}

static int request_items(db_t *db, int64_t ent, json_t *a, err_t *err)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT ev.id, ev.request_id, r.title, ev.action, ev.from_status, ev.to_status, ev.at, ev.detail,"
		" CASE WHEN " REQUEST_READ " THEN 1 ELSE 0 END" REQUEST_EVENTS " ORDER BY ev.id DESC LIMIT 100");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the inbox");
	db_bind_int(st, 1, ent);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		char id[32];
		snprintf(id, sizeof id, "request-%lld", (long long)db_col_int(st, 0));
		json_t *detail = json_loads(db_col_text(st, 7), 0, NULL);
		json_t *o = json_pack("{s:s,s:s,s:n,s:n,s:n,s:n,s:I,s:n,s:s,s:{s:s,s:s,s:s,s:o},s:s,s:b,s:I}", "id", id,
			"kind", "request", "batch_id", "policy_id", "policy_code", "item_id", "request_id",
			(json_int_t)db_col_int(st, 1), "amount", "title", db_col_text(st, 2), "body", "action",
			db_col_text(st, 3), "from", db_col_text(st, 4), "to", db_col_text(st, 5), "detail",
			detail ? detail : json_object(), "state", db_col_text(st, 5), "read", db_col_int(st, 8) != 0,
			"created_at", (json_int_t)db_col_int(st, 6));
		json_array_append_new(a, o);
	}
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "reading the inbox");
}

static int newest_first(const void *x, const void *y)
{
	json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
	json_int_t ta = json_integer_value(json_object_get(a, "created_at"));
	json_int_t tb = json_integer_value(json_object_get(b, "created_at"));
	return ta < tb ? 1 : ta > tb ? -1 : 0;
}

json_t *inbox_json(db_t *db, int64_t ent, err_t *err)
{
	json_t *a = stored_items(db, ent, err);
	if (a == NULL)
		return NULL;
	if (request_items(db, ent, a, err) < 0) {
		json_decref(a);
		return NULL;
	}
	size_t n = json_array_size(a);
	json_t **v = malloc((n ? n : 1) * sizeof *v);
	if (v == NULL) {
		json_decref(a);
		err_set(err, 500, "out_of_memory", NULL, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(a, i));
	qsort(v, n, sizeof *v, newest_first);
	json_t *items = json_array();
	int64_t unread = 0;
	for (size_t i = 0; i < n; i++) {
		unread += !json_is_true(json_object_get(v[i], "read"));
		if (i < INBOX_MAX)
			json_array_append(items, v[i]);
		json_decref(v[i]);
	}
	free(v);
	json_decref(a);
	return json_pack("{s:o,s:I}", "items", items, "unread", (json_int_t)unread);
}

json_t *inbox_policies_json(db_t *db, int64_t ent, err_t *err)
{
	json_t *a = stored_items(db, ent, err);
	return a ? json_pack("{s:o}", "items", a) : NULL;
}

static int not_found(err_t *err, const char *id)
{
	err_set(err, 404, "not_found", NULL, "no inbox item %s", id);
	return err_param(err, "id", "%s", id);
}

/* Mark the steps of a request up to event ev read. */
static int read_request(db_t *db, int64_t ent, int64_t ev, int64_t now, const char *id, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT ev.request_id, ev.at" REQUEST_EVENTS " AND ev.id = $2");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the inbox");
	db_bind_int(st, 1, ent);
	db_bind_int(st, 2, ev);
	int rc = db_step(st);
	int64_t req = rc == DB_ROW ? db_col_int(st, 0) : 0, at = rc == DB_ROW ? db_col_int(st, 1) : 0;
	db_done(st);
	if (rc == DB_DONE)
		return not_found(err, id);
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "reading the inbox");
	static const char *const sql[] = {
		"UPDATE inbox SET created_at = $3, read_at = $4 WHERE enterprise_id = $1 AND kind = 'request'"
		" AND request_id = $2 AND created_at < $3",
		"INSERT INTO inbox (enterprise_id, kind, request_id, created_at, read_at)"
		" SELECT $1, 'request', $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM inbox WHERE enterprise_id = $1"
		" AND kind = 'request' AND request_id = $2)",
	};
	for (int i = 0; i < 2; i++) {
		st = db_prepare(db, sql[i]);
		rc = DB_ERR;
		if (st) {
			db_bind_int(st, 1, ent);
			db_bind_int(st, 2, req);
			db_bind_int(st, 3, at);
			db_bind_int(st, 4, now);
			rc = db_step(st);
			db_done(st);
		}
		if (rc != DB_DONE)
			return db_fail(err, db, rc, "marking read");
	}
	return 0;
}

/* Mark stored item id read; 0 when it is not the enterprise's. */
static int mark_read(db_t *db, int64_t ent, int64_t id, int64_t now, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "UPDATE inbox SET read_at = COALESCE(read_at, $3) WHERE id = $1"
	                               " AND enterprise_id = $2 AND kind <> 'request'");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "marking read");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, ent);
	db_bind_int(st, 3, now);
	int rc = db_step(st);
	int64_t n = rc == DB_DONE ? db_changes(st) : 0;
	db_done(st);
	if (rc != DB_DONE)
		return db_fail(err, db, rc, "marking read");
	return (int)n;
}

static int64_t parse_id(const char *s)
{
	char *end;
	long long v = s && *s >= '1' && *s <= '9' ? strtoll(s, &end, 10) : 0;
	return v > 0 && *end == '\0' ? (int64_t)v : 0;
}

int inbox_read(db_t *db, int64_t ent, const char *id, int64_t now, err_t *err)
{
	if (id && strncmp(id, "request-", 8) == 0) {
		int64_t ev = parse_id(id + 8);
		return ev ? read_request(db, ent, ev, now, id, err) : not_found(err, id);
	}
	int64_t n = parse_id(id);
	int rc = n ? mark_read(db, ent, n, now, err) : 0;
	return rc < 0 ? -1 : rc == 0 ? not_found(err, id ? id : "") : 0;
}

int inbox_answer(db_t *db, int64_t ent, int64_t id, int confirm, const char *reason, int64_t now, err_t *err)
{
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	db_stmt_t *st = db_prepare(db,
		"SELECT bi.id, bi.state, b.state FROM inbox i JOIN policy_batch_items bi ON bi.id = i.item_id"
		" JOIN policy_batches b ON b.id = bi.batch_id WHERE i.id = $1 AND i.enterprise_id = $2 AND i.kind = 'grant'");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the grant");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, ent);
	int rc = db_step(st);
	int64_t item = rc == DB_ROW ? db_col_int(st, 0) : 0;
	char istate[16] = "", bstate[16] = "";
	if (rc == DB_ROW) {
		snprintf(istate, sizeof istate, "%s", db_col_text(st, 1));
		snprintf(bstate, sizeof bstate, "%s", db_col_text(st, 2));
	}
	db_done(st);
	if (rc == DB_DONE)
		return not_found(err, ids);
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "reading the grant");
	if (!confirm && (reason == NULL || text_is_blank(reason)))
		return err_set(err, 422, "required", "reason", "declining needs a reason");
	if (!confirm && !text_ok(reason, BATCH_REASON_MAX, 1)) {
		err_set(err, 422, "invalid", "reason", "the reason is text of at most %d characters", BATCH_REASON_MAX);
		return err_param(err, "max", "%d", BATCH_REASON_MAX);
	}
	if (strcmp(bstate, "approved") != 0 || strcmp(istate, "granted") != 0) {
		err_set(err, 409, "not_open", NULL, "this grant is %s (batch %s): it cannot be %s", istate, bstate,
		        confirm ? "confirmed" : "declined");
		return err_param(err, "state", "%s", istate);
	}
	st = db_prepare(db, "UPDATE policy_batch_items SET state = $2, reason = $3, decided_at = $4"
	                    " WHERE id = $1 AND state = 'granted'");
	rc = DB_ERR;
	if (st) {
		db_bind_int(st, 1, item);
		db_bind_text(st, 2, confirm ? "confirmed" : "declined");
		db_bind_text(st, 3, confirm ? "" : reason);
		db_bind_int(st, 4, now);
		rc = db_step(st);
		db_done(st);
	}
	if (rc != DB_DONE)
		return db_fail(err, db, rc, "answering the grant");
	return mark_read(db, ent, id, now, err) < 0 ? -1 : 0;
}

int inbox_mute(db_t *db, int64_t ent, int64_t id, int mute, int64_t now, err_t *err)
{
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	db_stmt_t *st = db_prepare(db, "SELECT i.kind, p.code FROM inbox i LEFT JOIN policies p ON p.id = i.policy_id"
	                               " WHERE i.id = $1 AND i.enterprise_id = $2 AND i.kind <> 'request'");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the inbox");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, ent);
	int rc = db_step(st);
	char code[POLICY_CODE_MAX + 1] = "";
	int push = 0;
	if (rc == DB_ROW) {
		push = strcmp(db_col_text(st, 0), "push") == 0;
		snprintf(code, sizeof code, "%s", db_col_text(st, 1));
	}
	db_done(st);
	if (rc == DB_DONE)
		return not_found(err, ids);
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "reading the inbox");
	if (!push)
		return err_set(err, 409, "not_a_push", NULL, "only a push's policy is muted");
	st = db_prepare(db, mute ? "INSERT INTO policy_mutes (enterprise_id, policy_code, created_at)"
	                           " VALUES ($1, $2, $3) ON CONFLICT (enterprise_id, policy_code) DO NOTHING"
	                         : "DELETE FROM policy_mutes WHERE enterprise_id = $1 AND policy_code = $2");
	rc = DB_ERR;
	if (st) {
		db_bind_int(st, 1, ent);
		db_bind_text(st, 2, code);
		if (mute)
			db_bind_int(st, 3, now);
		rc = db_step(st);
		db_done(st);
	}
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "muting");
}
