/*
 * notify_api.c -- the HTTP side of notifications: channels (where notices
 * go), their test message, the outbox as admins see it (and as each user
 * sees the notices meant for it), and a user's own notification settings.
 *
 * Who manages a channel (one rule, docs/permissions.md): an admin every
 * channel; anyone of the zone's staff the channels of its own user; a
 * department user its department's; a recruiter or a leader bound to a unit
 * that unit's.  A leader reads every channel (and manages only the above).
 * A channel another caller may not read is 404 to it; one it reads but may
 * not change is 403.  A channel's secret is never answered (has_secret)
 * and never written to the audit log; nor is a target's query string (a
 * robot's key is in it).
 */
#include "notify.h"

#include <stdlib.h>
#include <string.h>

#define CHANNEL_NAME_MAX 100     /* characters */
#define CHANNEL_TARGET_MAX 2048  /* characters */
#define CHANNEL_SECRET_MAX 256   /* characters */
#define EMAIL_MAX 254

/* ---- who sees and manages what ---- */

/* The rows a caller may see: all, or those of its user, department (a
 * department user), unit (a recruiter or leader with one). */
struct scope {
	int all;
	int64_t user, dept, unit, enterprise;
};

static struct scope scope_of(const user_t *u, int reading)
{
	struct scope s = { 0 };
	s.all = u->role_bit == ROLE_ADMIN || (reading && u->role_bit == ROLE_LEADER);
	s.user = u->id;
	s.dept = u->role_bit == ROLE_DEPARTMENT ? u->department_id : 0;
	s.unit = (u->role_bit == ROLE_RECRUITER || u->role_bit == ROLE_LEADER) ? u->unit_id : 0;
	s.enterprise = u->role_bit == ROLE_ENTERPRISE ? u->enterprise_id : 0;
	return s;
}

static int scope_has(const struct scope *s, int64_t dept, int64_t unit, int64_t user)
{
	return s->all || (user && user == s->user) || (dept && dept == s->dept) || (unit && unit == s->unit);
}

/* $1 all, $2 user, $3 department, $4 unit: the channels c of a scope */
#define CHANNEL_SCOPE "(CAST($1 AS INTEGER) = 1 OR c.user_id = $2 OR c.department_id = $3 OR c.unit_id = $4)"

static void bind_scope(db_stmt_t *st, const struct scope *s)
{
	db_bind_int(st, 1, s->all);
	db_bind_int(st, 2, s->user);
	db_bind_int(st, 3, s->dept);
	db_bind_int(st, 4, s->unit);
}

/* ---- small helpers ---- */

/* target without its query string and fragment: what the audit log and
 * the outbox list may show of a URL whose key is in its query */
static const char *target_shown(req_t *r, const char *target)
{
	if (target == NULL)
		return "";
	size_t n = strcspn(target, "?#");
	return target[n] ? arena_printf(r->arena, "%.*s?…", (int)n, target) : target;
}

/* A comma list of event kinds as a JSON array. */
static json_t *events_json(const char *list)
{
	json_t *a = json_array();
	while (list && *list) {
		size_t n = strcspn(list, ",");
		if (n)
			json_array_append_new(a, json_stringn(list, n));
		list += n + (list[n] == ',');
	}
	return a;
}

/* The body's "events" (an array of known kinds) as a comma list in *out,
 * in the order of notify_kinds, each once: 1 given, 0 absent, -1 after
 * replying 422.  [] is every kind. */
static int body_events(req_t *r, json_t *o, const char **out)
{
	json_t *v = json_object_get(o, "events");
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v)) {
		reply_error(r, 422, "invalid_type", "events", "events must be an array of event kinds");
		return -1;
	}
	uint32_t chosen = 0;   /* bit i: notify_kinds[i] */
	size_t i;
	json_t *k;
	json_array_foreach(v, i, k) {
		const char *s = json_string_value(k);
		int at = -1;
		for (int j = 0; s && notify_kinds[j] && at < 0; j++)
			if (strcmp(notify_kinds[j], s) == 0)
				at = j;
		if (at < 0 || at >= 32) {
			err_t e;
			err_set(&e, 422, "unknown_event", "events", "events[%zu] is not a known event kind (%s)", i,
			        s ? s : "not a string");
			err_param(&e, "event", "%s", s ? s : "");
			reply_err(r, &e);
			return -1;
		}
		chosen |= UINT32_C(1) << at;
	}
	char *list = arena_strdup(r->arena, "");
	for (int j = 0; notify_kinds[j] && j < 32; j++)
		if (chosen & (UINT32_C(1) << j))
			list = arena_printf(r->arena, "%s%s%s", list, *list ? "," : "", notify_kinds[j]);
	*out = list;
	return 1;
}

/* A text field within max characters (no control bytes): 1, 0 absent, -1 replied. */
static int body_text(req_t *r, json_t *o, const char *key, size_t max, const char **out)
{
	int got = body_str(r, o, key, out);
	if (got == 1 && !text_ok(*out, max, 0)) {
		err_t e;
		err_set(&e, 422, utf8_len(*out) > max ? "too_long" : "invalid", key,
		        "%s must be text of at most %zu characters without control characters", key, max);
		err_param(&e, "max", "%zu", max);
		reply_err(r, &e);
		return -1;
	}
	return got;
}

/* The settings the target check reads; 0, or -1 after replying 500. */
static int conf_load(req_t *r, struct notify_conf *c)
{
	if (notify_conf_load(r->db, c) == 0)
		return 0;
	reply_error(r, 500, "internal", NULL, "reading the notification settings failed");
	return -1;
}

static int target_ok(req_t *r, const char *kind, const char *target)
{
	struct notify_conf c;
	if (conf_load(r, &c) < 0)
		return 0;
	err_t e;
	err_clear(&e);
	int ok = notify_target_check(&c, kind, target, &e) == 0;
	notify_conf_free(&c);
	if (!ok) {
		if (e.status == 0)
			err_set(&e, 422, "invalid_target", "target", "the target is not allowed");
		reply_err(r, &e);
	}
	return ok;
}

/* ---- channels ---- */

#define CHANNEL_SELECT \
	"SELECT c.id, c.kind, c.name, c.target, CASE WHEN c.secret <> '' THEN 1 ELSE 0 END AS has_secret," \
	" c.department_id, c.unit_id, c.user_id," \
	" COALESCE(d.name, un.name, CASE WHEN us.display_name <> '' THEN us.display_name ELSE us.username END, '') AS owner_name," \
	" c.events, c.enabled, c.created_at, c.updated_at" \
	" FROM channels c LEFT JOIN departments d ON d.id = c.department_id LEFT JOIN units un ON un.id = c.unit_id" \
	" LEFT JOIN users us ON us.id = c.user_id"
#define CHANNEL_TYPES "isssbiiissbii"

static json_t *channel_row_json(db_stmt_t *st, const struct scope *manage)
{
	json_t *o = row_json(st, CHANNEL_TYPES);
	json_object_set_new(o, "events", events_json(json_string_value(json_object_get(o, "events"))));
	const char *owner = json_is_integer(json_object_get(o, "department_id")) ? "department"
	                    : json_is_integer(json_object_get(o, "unit_id")) ? "unit" : "user";
	json_object_set_new(o, "owner", json_string(owner));
	int64_t d = json_integer_value(json_object_get(o, "department_id"));
	int64_t u = json_integer_value(json_object_get(o, "unit_id"));
	int64_t us = json_integer_value(json_object_get(o, "user_id"));
	int edit = scope_has(manage, d, u, us);
	json_object_set_new(o, "can_edit", json_boolean(edit));
	/* a robot's key is in its URL's query and works like a password: only
	 * those who may change the channel read it (leaders read the rest) */
	const char *t = json_string_value(json_object_get(o, "target"));
	size_t n = t ? strcspn(t, "?#") : 0;
	if (!edit && t && t[n])
		json_object_set_new(o, "target", json_sprintf("%.*s?…", (int)n, t));
	return o;
}

/* Channel id as JSON (NULL with *rc DB_DONE when there is none). */
static json_t *channel_get(req_t *r, int64_t id, int *rc)
{
	db_stmt_t *st = db_prepare(r->db, CHANNEL_SELECT " WHERE c.id = $1");
	if (st == NULL) {
		*rc = DB_ERR;
		return NULL;
	}
	db_bind_int(st, 1, id);
	struct scope m = scope_of(r->user, 0);
	json_t *o = NULL;
	*rc = db_step(st);
	if (*rc == DB_ROW)
		o = channel_row_json(st, &m);
	db_done(st);
	return o;
}

/* The channel of the path, checked: may the caller read it (else 404) and,
 * when manage, change it (else 403)?  NULL after replying. */
static json_t *channel_of_path(req_t *r, int manage)
{
	int64_t id = req_param_id(r, 0);
	int rc = DB_DONE;
	json_t *ch = id ? channel_get(r, id, &rc) : NULL;
	if (ch == NULL) {
		if (rc == DB_DONE || rc == DB_ROW)
			reply_error(r, 404, "not_found", "id", "no such channel");
		else
			reply_db_error(r, rc, "reading the channel");
		return NULL;
	}
	int64_t d = json_integer_value(json_object_get(ch, "department_id"));
	int64_t u = json_integer_value(json_object_get(ch, "unit_id"));
	int64_t us = json_integer_value(json_object_get(ch, "user_id"));
	struct scope read = scope_of(r->user, 1), man = scope_of(r->user, 0);
	const char *why = !scope_has(&read, d, u, us) ? "" : manage && !scope_has(&man, d, u, us) ? "forbidden" : NULL;
	if (why) {
		json_decref(ch);
		if (*why)
			reply_error(r, 403, "forbidden_channel", "id", "you may read this channel but not change it");
		else
			reply_error(r, 404, "not_found", "id", "no such channel");
		return NULL;
	}
	return ch;
}

/* What the audit log keeps of a channel: never its secret nor the target's query. */
static const char *channel_audit(req_t *r, json_t *ch, const char *secret_change)
{
	json_t *a = json_pack("{s:O?, s:O?, s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}",
	                      "kind", json_object_get(ch, "kind"), "name", json_object_get(ch, "name"),
	                      "target", target_shown(r, json_string_value(json_object_get(ch, "target"))),
	                      "department_id", json_object_get(ch, "department_id"),
	                      "unit_id", json_object_get(ch, "unit_id"), "user_id", json_object_get(ch, "user_id"),
	                      "events", json_object_get(ch, "events"), "enabled", json_object_get(ch, "enabled"),
	                      "has_secret", json_object_get(ch, "has_secret"));
	if (a && secret_change)
		json_object_set_new(a, "secret", json_string(secret_change));
	char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	const char *out = arena_strdup(r->arena, s ? s : "{}");
	free(s);
	return out;
}

void api_channels_list(req_t *r)
{
	struct scope s = scope_of(r->user, 1), m = scope_of(r->user, 0);
	db_stmt_t *st = db_prepare(r->db, CHANNEL_SELECT " WHERE " CHANNEL_SCOPE " ORDER BY c.id");
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "listing the channels");
		return;
	}
	bind_scope(st, &s);
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, channel_row_json(st, &m));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing the channels");
		return;
	}
	int64_t n = (int64_t)json_array_size(items);
	reply_list(r, items, n, n, 0);
}

/* The owner of a new channel: exactly one of department_id, unit_id,
 * user_id, existing, and one the caller may manage.  0, or -1 replied. */
static int channel_owner(req_t *r, json_t *o, int64_t *dept, int64_t *unit, int64_t *user)
{
	static const struct { const char *field, *sql; } owners[] = {
		{ "department_id", "SELECT 1 FROM departments WHERE id = $1" },
		{ "unit_id", "SELECT 1 FROM units WHERE id = $1" },
		{ "user_id", "SELECT 1 FROM users WHERE id = $1 AND role <> 'enterprise'" },
	};
	int64_t *v[3] = { dept, unit, user };
	int given = 0, which = 0;
	for (int i = 0; i < 3; i++) {
		*v[i] = 0;
		int got = body_int(r, o, owners[i].field, v[i]);
		if (got < 0)
			return -1;
		if (got) {
			given++;
			which = i;
		}
	}
	if (given != 1) {
		reply_error(r, 422, "owner_required", "department_id",
		            "a channel belongs to exactly one of department_id, unit_id and user_id (%d given)", given);
		return -1;
	}
	int ex = *v[which] > 0 ? db_exists_id(r->db, owners[which].sql, *v[which]) : 0;
	if (ex < 0) {
		reply_db_error(r, DB_ERR, "reading the channel's owner");
		return -1;
	}
	if (ex == 0) {
		err_t e;
		err_set(&e, 422, "unknown_owner", owners[which].field, "%s %lld does not exist (or is an enterprise's account)",
		        owners[which].field, (long long)*v[which]);
		err_param(&e, "id", "%lld", (long long)*v[which]);
		reply_err(r, &e);
		return -1;
	}
	struct scope m = scope_of(r->user, 0);
	if (!scope_has(&m, *dept, *unit, *user)) {
		reply_error(r, 403, "forbidden_owner", owners[which].field,
		            "you may create channels only for yourself, your department or your unit");
		return -1;
	}
	return 0;
}

static int kind_ok(req_t *r, const char *kind)
{
	static const char *const kinds[] = { "wecom", "dingtalk", "webhook", "email", NULL };
	for (int i = 0; kind && kinds[i]; i++)
		if (strcmp(kind, kinds[i]) == 0)
			return 1;
	err_t e;
	err_set(&e, 422, kind ? "invalid_kind" : "required", "kind", "kind must be one of wecom, dingtalk, webhook, email");
	if (kind)
		err_param(&e, "kind", "%s", kind);
	reply_err(r, &e);
	return 0;
}

/* The fields a channel's create and update share: name, target, secret,
 * events, enabled (each -1 on a reply, 0 absent, 1 given). */
struct channel_in {
	const char *name, *target, *secret, *events;
	int enabled;
	int has_name, has_target, has_secret, has_events, has_enabled;
};

static int channel_fields(req_t *r, json_t *o, struct channel_in *in)
{
	memset(in, 0, sizeof *in);
	if ((in->has_name = body_text(r, o, "name", CHANNEL_NAME_MAX, &in->name)) < 0 ||
	    (in->has_target = body_text(r, o, "target", CHANNEL_TARGET_MAX, &in->target)) < 0 ||
	    (in->has_secret = body_text(r, o, "secret", CHANNEL_SECRET_MAX, &in->secret)) < 0 ||
	    (in->has_events = body_events(r, o, &in->events)) < 0 ||
	    (in->has_enabled = body_bool(r, o, "enabled", &in->enabled)) < 0)
		return -1;
	if (in->has_target && !*in->target) {
		reply_error(r, 422, "required", "target", "target (the robot's or webhook's URL, or an e-mail address) is required");
		return -1;
	}
	return 0;
}

void api_channels_create(req_t *r)
{
	static const char *const fields[] = { "kind", "target", "secret", "name", "department_id", "unit_id",
	                                      "user_id", "events", "enabled", NULL };
	json_t *o = req_object(r);
	if (o == NULL || body_unknown_field(r, o, fields))
		return;
	const char *kind = NULL;
	struct channel_in in;
	int64_t dept, unit, user;
	if (body_str(r, o, "kind", &kind) < 0 || !kind_ok(r, kind) || channel_fields(r, o, &in) < 0)
		return;
	if (!in.has_target) {
		reply_error(r, 422, "required", "target", "target (the robot's or webhook's URL, or an e-mail address) is required");
		return;
	}
	if (channel_owner(r, o, &dept, &unit, &user) < 0 || !target_ok(r, kind, in.target))
		return;
	int64_t now = now_sec();
	db_stmt_t *st = db_prepare(r->db,
		"INSERT INTO channels (kind, name, target, secret, department_id, unit_id, user_id, events, enabled,"
		" created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id");
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "saving the channel");
		return;
	}
	db_bind_text(st, 1, kind);
	db_bind_text(st, 2, in.has_name ? in.name : "");
	db_bind_text(st, 3, in.target);
	db_bind_text(st, 4, in.has_secret ? in.secret : "");
	if (dept) db_bind_int(st, 5, dept); else db_bind_null(st, 5);
	if (unit) db_bind_int(st, 6, unit); else db_bind_null(st, 6);
	if (user) db_bind_int(st, 7, user); else db_bind_null(st, 7);
	db_bind_text(st, 8, in.has_events ? in.events : "");
	db_bind_int(st, 9, in.has_enabled ? in.enabled : 1);
	db_bind_int(st, 10, r->user->id);
	db_bind_int(st, 11, now);
	int rc = db_step(st);
	int64_t id = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	json_t *ch = id ? channel_get(r, id, &rc) : NULL;
	if (ch == NULL) {
		reply_db_error(r, rc == DB_ROW || rc == DB_DONE ? DB_ERR : rc, "saving the channel");
		return;
	}
	r->audit_action = "channel.create";
	r->audit_entity = "channel";
	r->audit_detail = channel_audit(r, ch, NULL);
	reply_json(r, 201, ch);
}

void api_channel_update(req_t *r)
{
	static const char *const fields[] = { "name", "target", "secret", "events", "enabled", NULL };
	json_t *o = req_object(r);
	if (o == NULL || body_unknown_field(r, o, fields))
		return;
	json_t *ch = channel_of_path(r, 1);
	if (ch == NULL)
		return;
	struct channel_in in;
	int64_t id = json_integer_value(json_object_get(ch, "id"));
	const char *kind = arena_strdup(r->arena, json_string_value(json_object_get(ch, "kind")));
	json_decref(ch);
	if (channel_fields(r, o, &in) < 0 || (in.has_target && !target_ok(r, kind, in.target)))
		return;
	db_stmt_t *st = db_prepare(r->db,
		"UPDATE channels SET name = CASE WHEN CAST($2 AS INTEGER) = 1 THEN $3 ELSE name END,"
		" target = CASE WHEN CAST($4 AS INTEGER) = 1 THEN $5 ELSE target END,"
		" secret = CASE WHEN CAST($6 AS INTEGER) = 1 THEN $7 ELSE secret END,"
		" events = CASE WHEN CAST($8 AS INTEGER) = 1 THEN $9 ELSE events END,"
		" enabled = CASE WHEN CAST($10 AS INTEGER) = 1 THEN $11 ELSE enabled END, updated_at = $12 WHERE id = $1");
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "saving the channel");
		return;
	}
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, in.has_name); db_bind_text(st, 3, in.has_name ? in.name : "");
	db_bind_int(st, 4, in.has_target); db_bind_text(st, 5, in.has_target ? in.target : "");
	db_bind_int(st, 6, in.has_secret); db_bind_text(st, 7, in.has_secret ? in.secret : "");
	db_bind_int(st, 8, in.has_events); db_bind_text(st, 9, in.has_events ? in.events : "");
	db_bind_int(st, 10, in.has_enabled); db_bind_int(st, 11, in.has_enabled ? in.enabled : 1);
	db_bind_int(st, 12, now_sec());
	int rc = db_step(st);
	db_done(st);
	ch = rc == DB_DONE ? channel_get(r, id, &rc) : NULL;
	if (ch == NULL) {
		reply_db_error(r, rc == DB_ROW || rc == DB_DONE ? DB_ERR : rc, "saving the channel");
		return;
	}
	r->audit_action = "channel.update";
	r->audit_entity = "channel";
	r->audit_detail = channel_audit(r, ch, !in.has_secret ? NULL : *in.secret ? "changed" : "cleared");
	reply_json(r, 200, ch);
}

void api_channel_delete(req_t *r)
{
	json_t *ch = channel_of_path(r, 1);
	if (ch == NULL)
		return;
	int64_t id = json_integer_value(json_object_get(ch, "id"));
	db_stmt_t *st = db_prepare(r->db, "DELETE FROM channels WHERE id = $1");
	int rc = st ? (db_bind_int(st, 1, id), db_step(st)) : DB_ERR;
	if (st)
		db_done(st);
	if (rc != DB_DONE) {
		json_decref(ch);
		reply_db_error(r, rc, "deleting the channel");
		return;
	}
	r->audit_action = "channel.delete";
	r->audit_entity = "channel";
	r->audit_detail = channel_audit(r, ch, NULL);
	json_decref(ch);
	reply_text(r, 204, NULL, NULL, 0);
}

/* ---- a channel's test message ---- */

/* The caller's language for notices: its notify_prefs, else Chinese. */
static const char *lang_of(req_t *r)
{
	db_stmt_t *st = db_prepare(r->db, "SELECT lang FROM notify_prefs WHERE user_id = $1");
	const char *lang = "zh";
	if (st) {
		db_bind_int(st, 1, r->user->id);
		if (db_step(st) == DB_ROW && strcmp(db_col_text(st, 0), "en") == 0)
			lang = "en";
		db_done(st);
	}
	return lang;
}

/* The channel's secret (never in an answer): into the arena, "" none. */
static const char *channel_secret(req_t *r, int64_t id)
{
	db_stmt_t *st = db_prepare(r->db, "SELECT secret FROM channels WHERE id = $1");
	const char *s = NULL;
	if (st) {
		db_bind_int(st, 1, id);
		if (db_step(st) == DB_ROW)
			s = arena_strdup(r->arena, db_col_text(st, 0));
		db_done(st);
	}
	return s;
}

/* Render the test message and send it now.  0 sent, -1 failed (res), -2 internal. */
static int channel_send_test(req_t *r, json_t *ch, struct notify_result *res)
{
	int64_t id = json_integer_value(json_object_get(ch, "id"));
	const char *lang = lang_of(r), *secret = channel_secret(r, id);
	struct notify_conf c;
	if (secret == NULL || notify_conf_load(r->db, &c) < 0)
		return -2;
	const char *name = json_string_value(json_object_get(ch, "name"));
	int zh = strcmp(lang, "zh") == 0;
	json_t *payload = json_pack("{s:s, s:s, s:s, s:s}",
	                            "title", zh ? "zoneops 测试消息" : "zoneops test message",
	                            "channel", name && *name ? name : json_string_value(json_object_get(ch, "kind")),
	                            "by", r->user->display_name && *r->user->display_name ? r->user->display_name
	                                                                                  : r->user->username,
	                            "path", "/#/channels");
	const char *event_id = arena_printf(r->arena, "zo-test-%lld-%lld", (long long)id, (long long)now_sec());
	struct notify_msg m;
	int rc = -2;
	if (payload && notify_render(NE_TEST, event_id, payload, lang, c.base_url, &m) == 0) {
		struct notify_dest d = { .kind = json_string_value(json_object_get(ch, "kind")),
		                         .target = json_string_value(json_object_get(ch, "target")), .secret = secret };
		rc = notify_send(&c, &d, &m, now_sec() * 1000, res);
		notify_msg_free(&m);
	}
	json_decref(payload);
	notify_conf_free(&c);
	return rc;
}

void api_channel_test(req_t *r)
{
	json_t *ch = channel_of_path(r, 1);
	if (ch == NULL)
		return;
	struct notify_result res;
	memset(&res, 0, sizeof res);
	int rc = channel_send_test(r, ch, &res);
	const char *id = arena_printf(r->arena, "%lld", (long long)json_integer_value(json_object_get(ch, "id")));
	json_decref(ch);
	if (rc == -2) {
		reply_error(r, 500, "internal", NULL, "preparing the test message failed");
		return;
	}
	int status = rc == 0 ? 200 : 502;
	req_audit_later(r, "channel.test", "channel", id, status,
	                arena_printf(r->arena, "{\"ok\":%s,\"http_status\":%d}", rc == 0 ? "true" : "false", res.http_status));
	if (rc == 0) {
		reply_json(r, 200, json_pack("{s:b, s:i, s:i}", "ok", 1, "http_status", res.http_status, "ms", res.ms));
		return;
	}
	err_t e;
	err_set(&e, 502, "channel_failed", NULL, "%s", res.error[0] ? res.error : "the channel did not accept the message");
	err_param(&e, "error", "%s", res.error);
	err_param(&e, "http_status", "%d", res.http_status);
	reply_err(r, &e);
}

/* ---- the outbox ---- */

/* $1..$4 the channel scope, $5 the caller's user, $6 its enterprise */
#define NOTIF_SCOPE \
	"(CAST($1 AS INTEGER) = 1 OR n.user_id = $5 OR n.enterprise_id = $6 OR n.channel_id IN" \
	" (SELECT c.id FROM channels c WHERE c.user_id = $2 OR c.department_id = $3 OR c.unit_id = $4))"
#define NOTIF_FILTER " WHERE " NOTIF_SCOPE \
	" AND (CAST($7 AS TEXT) IS NULL OR n.state = $7) AND (CAST($8 AS BIGINT) = 0 OR n.id = $8)"
#define NOTIF_COLS \
	"SELECT n.id, n.event_id, e.kind AS event, e.entity, e.entity_id, e.payload, n.dest, n.kind, n.target," \
	" n.channel_id, COALESCE(c.name, '') AS channel_name, n.user_id, n.enterprise_id, n.lang, n.state, n.attempts," \
	" n.next_at, n.last_error, n.sent_at, n.created_at" \
	" FROM notifications n JOIN notify_events e ON e.id = n.event_id LEFT JOIN channels c ON c.id = n.channel_id"
#define NOTIF_TYPES "iississsiisiissiisii"

static json_t *notification_json(req_t *r, db_stmt_t *st)
{
	json_t *o = row_json(st, NOTIF_TYPES);
	const char *ptext = json_string_value(json_object_get(o, "payload"));
	json_t *p = json_loads(ptext ? ptext : "{}", 0, NULL);
	const char *title = json_string_value(json_object_get(p, "title"));
	json_object_set_new(o, "title", json_string(title ? title : ""));
	json_decref(p);
	json_object_del(o, "payload");
	const char *t = json_string_value(json_object_get(o, "target"));
	json_object_set_new(o, "target", json_string(target_shown(r, t)));
	return o;
}

static db_stmt_t *notif_prepare(req_t *r, const char *sql, const struct scope *s, const char *state, int64_t id)
{
	db_stmt_t *st = db_prepare(r->db, sql);
	if (st) {
		bind_scope(st, s);
		db_bind_int(st, 5, r->user->id);
		db_bind_int(st, 6, s->enterprise);
		db_bind_text(st, 7, state);
		db_bind_int(st, 8, id);
	}
	return st;
}

/* The notifications the caller may see (state, id filters), a page. */
static void notifications_page(req_t *r, const char *state, int64_t id, int64_t limit, int64_t offset)
{
	struct scope s = scope_of(r->user, 0);
	s.all = r->user->role_bit == ROLE_ADMIN;
	db_stmt_t *st = notif_prepare(r, "SELECT count(*) FROM notifications n" NOTIF_FILTER, &s, state, id);
	int64_t total = st && db_step(st) == DB_ROW ? db_col_int(st, 0) : -1;
	if (st)
		db_done(st);
	st = total < 0 ? NULL : notif_prepare(r, NOTIF_COLS NOTIF_FILTER " ORDER BY n.id DESC LIMIT $9 OFFSET $10",
	                                       &s, state, id);
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "listing the notifications");
		return;
	}
	db_bind_int(st, 9, limit);
	db_bind_int(st, 10, offset);
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, notification_json(r, st));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing the notifications");
		return;
	}
	reply_list(r, items, total, limit, offset);
}

static int state_param(req_t *r, const char **state)
{
	static const char *const states[] = { "pending", "sending", "sent", "dead", NULL };
	*state = req_query(r, "state");
	if (*state == NULL || **state == '\0') {
		*state = NULL;
		return 0;
	}
	for (int i = 0; states[i]; i++)
		if (strcmp(*state, states[i]) == 0)
			return 0;
	err_t e;
	err_set(&e, 422, "invalid_parameter", "state", "state must be one of pending, sending, sent, dead");
	err_param(&e, "state", "%s", *state);
	reply_err(r, &e);
	return -1;
}

/* One notification with its attempts (404 when the caller may not see it). */
static void notification_one(req_t *r, int64_t id)
{
	struct scope s = scope_of(r->user, 0);
	s.all = r->user->role_bit == ROLE_ADMIN;
	db_stmt_t *st = notif_prepare(r, NOTIF_COLS NOTIF_FILTER, &s, NULL, id);
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "reading the notification");
		return;
	}
	int rc = db_step(st);
	json_t *o = rc == DB_ROW ? notification_json(r, st) : NULL;
	db_done(st);
	if (o == NULL) {
		if (rc == DB_DONE)
			reply_error(r, 404, "not_found", "id", "no such notification");
		else
			reply_db_error(r, rc, "reading the notification");
		return;
	}
	json_t *at = rows_json_by_id(r->db,
		"SELECT id, at, instance, ok, http_status, error, ms FROM notification_attempts"
		" WHERE notification_id = $1 ORDER BY at, id", id, "iisbisi");
	if (at == NULL) {
		json_decref(o);
		reply_db_error(r, DB_ERR, "reading the attempts");
		return;
	}
	json_object_set_new(o, "history", at);
	reply_json(r, 200, o);
}

void api_notifications_list(req_t *r)
{
	int64_t id = req_param_id(r, 0), limit, offset;
	if (r->nparams > 0) {
		if (id == 0)
			reply_error(r, 404, "not_found", "id", "no such notification");
		else
			notification_one(r, id);
		return;
	}
	const char *state;
	if (req_paging(r, &limit, &offset) < 0 || state_param(r, &state) < 0 || req_query_id(r, "id", &id) < 0)
		return;
	notifications_page(r, state, id, limit, offset);
}

void api_notification_resend(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	int rc = id ? notify_resend(r->db, id, now_sec()) : 0;
	if (rc == 0) {
		reply_error(r, 404, "not_found", "id", "no such notification");
		return;
	}
	if (rc < 0) {
		reply_db_error(r, rc, "resending the notification");
		return;
	}
	notify_kick();
	r->audit_action = "notification.resend";
	r->audit_entity = "notification";
	notification_one(r, id);
}

/* ---- my notification settings ---- */

static json_t *prefs_json(req_t *r, int *rc)
{
	db_stmt_t *st = db_prepare(r->db, "SELECT events, quiet_from, quiet_to, email, lang FROM notify_prefs WHERE user_id = $1");
	if (st == NULL) {
		*rc = DB_ERR;
		return NULL;
	}
	db_bind_int(st, 1, r->user->id);
	*rc = db_step(st);
	json_t *o = *rc == DB_ROW ? row_json(st, "sssss")
	            : json_pack("{s:s, s:s, s:s, s:s, s:s}", "events", "", "quiet_from", "", "quiet_to", "", "email", "",
	                        "lang", "zh");
	db_done(st);
	if (*rc != DB_ROW && *rc != DB_DONE) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "events", events_json(json_string_value(json_object_get(o, "events"))));
	json_t *kinds = json_array();
	for (int i = 0; notify_kinds[i]; i++)
		json_array_append_new(kinds, json_string(notify_kinds[i]));
	json_object_set_new(o, "kinds", kinds);
	return o;
}

void api_me_notify_get(req_t *r)
{
	int rc;
	json_t *o = prefs_json(r, &rc);
	if (o == NULL)
		reply_db_error(r, rc, "reading the notification settings");
	else
		reply_json(r, 200, o);
}

/* "HH:MM" (00:00..23:59) or "" */
static int hhmm_ok(const char *s)
{
	return *s == '\0' || (strlen(s) == 5 && s[0] >= '0' && s[0] <= '2' && s[1] >= '0' && s[1] <= '9' && s[2] == ':' &&
	                      s[3] >= '0' && s[3] <= '5' && s[4] >= '0' && s[4] <= '9' && (s[0] - '0') * 10 + (s[1] - '0') < 24);
}

/* An e-mail address as notices are sent to: local@domain.tld, no spaces, "" none. */
static int email_ok(const char *s)
{
	const char *at = strchr(s, '@');
	return *s == '\0' || (strlen(s) <= EMAIL_MAX && at && at > s && strchr(at + 1, '@') == NULL &&
	                      strchr(at + 1, '.') && at[1] != '.' && s[strlen(s) - 1] != '.' && !strpbrk(s, " \t<>,;\"'()[]\\") &&
	                      !has_ctl(s));
}

static int prefs_check(req_t *r, const char *from, const char *to, const char *email, const char *lang)
{
	err_t e;
	err_clear(&e);
	if (!hhmm_ok(from) || !hhmm_ok(to))
		err_set(&e, 422, "invalid_time", hhmm_ok(from) ? "quiet_to" : "quiet_from",
		        "quiet hours are HH:MM (00:00 to 23:59) or empty");
	else if ((*from == '\0') != (*to == '\0'))
		err_set(&e, 422, "quiet_hours_incomplete", *from ? "quiet_to" : "quiet_from",
		        "quiet hours need both quiet_from and quiet_to (or neither)");
	else if (!email_ok(email))
		err_set(&e, 422, "invalid_email", "email", "email must be an address like name@example.com, or empty");
	else if (strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0)
		err_set(&e, 422, "invalid_lang", "lang", "lang must be zh or en");
	if (e.status == 0)
		return 0;
	reply_err(r, &e);
	return -1;
}

void api_me_notify_put(req_t *r)
{
	static const char *const fields[] = { "events", "quiet_from", "quiet_to", "email", "lang", NULL };
	json_t *o = req_object(r);
	if (o == NULL || body_unknown_field(r, o, fields))
		return;
	int rc;
	json_t *cur = prefs_json(r, &rc);
	if (cur == NULL) {
		reply_db_error(r, rc, "reading the notification settings");
		return;
	}
	const char *keys[4] = { "quiet_from", "quiet_to", "email", "lang" }, *v[4], *events = NULL;
	for (int i = 0; i < 4; i++)
		v[i] = arena_strdup(r->arena, json_string_value(json_object_get(cur, keys[i])));
	json_t *ev = json_object_get(cur, "events");
	size_t i;
	json_t *k;
	char *list = arena_strdup(r->arena, "");
	json_array_foreach(ev, i, k)
		list = arena_printf(r->arena, "%s%s%s", list, *list ? "," : "", json_string_value(k));
	json_decref(cur);
	int got = body_events(r, o, &events);
	for (int j = 0; got >= 0 && j < 4; j++)
		if (body_text(r, o, keys[j], j == 2 ? EMAIL_MAX : 8, &v[j]) < 0)
			got = -1;
	if (got < 0 || prefs_check(r, v[0], v[1], v[2], v[3]) < 0)
		return;
	db_stmt_t *st = db_prepare(r->db,
		"INSERT INTO notify_prefs (user_id, events, quiet_from, quiet_to, email, lang, updated_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id) DO UPDATE SET events = excluded.events,"
		" quiet_from = excluded.quiet_from, quiet_to = excluded.quiet_to, email = excluded.email,"
		" lang = excluded.lang, updated_at = excluded.updated_at");
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "saving the notification settings");
		return;
	}
	db_bind_int(st, 1, r->user->id);
	db_bind_text(st, 2, got ? events : list);
	for (int j = 0; j < 4; j++)
		db_bind_text(st, 3 + j, v[j]);
	db_bind_int(st, 7, now_sec());
	rc = db_step(st);
	db_done(st);
	json_t *out = rc == DB_DONE ? prefs_json(r, &rc) : NULL;
	if (out == NULL) {
		reply_db_error(r, rc == DB_DONE || rc == DB_ROW ? DB_ERR : rc, "saving the notification settings");
		return;
	}
	r->audit_action = "notify.prefs";
	r->audit_entity = "user";
	r->audit_id = arena_printf(r->arena, "%lld", (long long)r->user->id);
	reply_json(r, 200, out);
}
