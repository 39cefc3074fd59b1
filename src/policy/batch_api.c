/*
 * batch_api.c -- the HTTP handlers of batches (免审即享) and of the
 * enterprise inbox.  Thin: they read the request, call batches.c /
 * batch_view.c / inbox.c and answer.  The route table says who may call
 * what; the inbox handlers answer an enterprise account about its own
 * enterprise only (someone else's item: 404).
 */
#include "policy.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http/http.h"

static void audit(req_t *r, const char *entity, int64_t id)
{
	r->audit_entity = entity;
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
}

static void reply_batch(req_t *r, int status, int64_t id)
{
	err_t e;
	json_t *o = batch_json(r->db, id, 1, &e);
	if (o == NULL)
		reply_err(r, &e);
	else
		reply_json(r, status, o);
}

/* The body's optional text `key` (trimmed); 0, or -1 after replying. */
static int body_text(req_t *r, const char *key, const char **out)
{
	*out = NULL;
	if (r->json == NULL)
		return 0;
	json_t *o = req_object(r);
	if (o == NULL)
		return -1;
	const char *const fields[] = { key, NULL };
	if (body_unknown_field(r, o, fields) || body_str(r, o, key, out) < 0)
		return -1;
	return 0;
}

/* ---- batches ---- */

void api_policy_batches_create(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "year", NULL };
	int64_t year = 0;
	if (body_unknown_field(r, o, fields) || body_int(r, o, "year", &year) < 0)
		return;
	if (year == 0) {
		reply_error(r, 422, "required", "year", "year is required");
		return;
	}
	int64_t id = 0;
	err_t e;
	if (batch_create(r->db, r->arena, req_param_id(r, 0), (int)year, r->user->id, now_sec(), &id, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit(r, "policy_batch", id);
	reply_batch(r, 201, id);
}

void api_policy_batches_list(req_t *r)
{
	struct policy p;
	err_t e;
	if (policy_load(r->db, r->arena, req_param_id(r, 0), &p, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	json_t *o = batch_list_json(r->db, p.code, NULL, 0, &e);
	policy_clear(&p);
	if (o == NULL)
		reply_err(r, &e);
	else
		reply_json(r, 200, o);
}

void api_batches_list(req_t *r)
{
	int64_t year, pid;
	if (req_query_int(r, "year", 0, 0, 2199, &year) < 0 || req_query_id(r, "policy_id", &pid) < 0)
		return;
	const char *state = req_query(r, "state");
	if (state && *state == '\0')
		state = NULL;
	static const char *const states[] = { "pending", "approved", "rejected", "closed" };
	int known = state == NULL;
	for (int i = 0; i < 4 && state; i++)
		known |= strcmp(state, states[i]) == 0;
	if (!known) {
		reply_error(r, 422, "invalid_parameter", "state", "state is pending, approved, rejected or closed");
		return;
	}
	err_t e;
	const char *code = NULL;
	if (pid) {
		struct policy p;
		if (policy_load(r->db, r->arena, pid, &p, &e) < 0) {
			reply_err(r, &e);
			return;
		}
		code = p.code;
		policy_clear(&p);
	}
	json_t *o = batch_list_json(r->db, code, state, (int)year, &e);
	if (o == NULL)
		reply_err(r, &e);
	else
		reply_json(r, 200, o);
}

void api_batch_get(req_t *r) { reply_batch(r, 200, req_param_id(r, 0)); }

static void decide(req_t *r, int approve)
{
	const char *reason = NULL;
	if (body_text(r, approve ? "note" : "reason", &reason) < 0)
		return;
	int64_t id = req_param_id(r, 0);
	err_t e;
	if (batch_decide(r->db, r->arena, id, approve, reason, r->user->id, now_sec(), &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit(r, "policy_batch", id);
	reply_batch(r, 200, id);
}

void api_batch_approve(req_t *r) { decide(r, 1); }
void api_batch_reject(req_t *r) { decide(r, 0); }

void api_batch_paid(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "item_ids", NULL };
	if (body_unknown_field(r, o, fields))
		return;
	json_t *a = json_object_get(o, "item_ids");
	size_t n = json_array_size(a);
	if (!json_is_array(a) || n == 0 || n > 100000) {
		reply_error(r, 422, "required", "item_ids", "item_ids is a list of the items paid");
		return;
	}
	int64_t *ids = arena_alloc(r->arena, n * sizeof *ids);
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(a, i);
		if (!json_is_integer(v) || json_integer_value(v) <= 0) {
			reply_error(r, 422, "invalid_type", "item_ids", "item_ids lists item ids");
			return;
		}
		ids[i] = (int64_t)json_integer_value(v);
	}
	int64_t id = req_param_id(r, 0);
	err_t e;
	if (batch_paid(r->db, id, ids, n, now_sec(), &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit(r, "policy_batch", id);
	reply_batch(r, 200, id);
}

void api_batch_export(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	err_t e;
	json_t *b = batch_json(r->db, id, 0, &e);
	if (b == NULL) {
		reply_err(r, &e);
		return;
	}
	const char *name = arena_printf(r->arena, "batch-%lld-%s-%lld.xlsx", (long long)id,
	                                json_string_value(json_object_get(b, "policy_code")),
	                                (long long)json_integer_value(json_object_get(b, "year")));
	json_decref(b);
	char *path = reply_tmpfile(r, "zoneops-batch");
	if (path == NULL)
		return;
	if (batch_export_xlsx(r->db, id, path, &e) < 0) {
		unlink(path);
		reply_err(r, &e);
		return;
	}
	reply_file(r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name, path, NULL, 0);
}

/* ---- the inbox ---- */

/* An enterprise account reads its own inbox; an admin any enterprise's
 * (?enterprise_id=; none: an empty inbox). */
void api_inbox_list(req_t *r)
{
	int64_t ent = r->user->enterprise_id;
	if (r->user->role_bit != ROLE_ENTERPRISE && req_query_id(r, "enterprise_id", &ent) < 0)
		return;
	err_t e;
	json_t *o = inbox_json(r->db, ent, &e);
	if (o == NULL)
		reply_err(r, &e);
	else
		reply_json(r, 200, o);
}

/* The policies granted or pushed to enterprise {id}: the staff who read
 * the file (routes.c), an enterprise its own (another's is 404). */
void api_enterprise_policies(req_t *r)
{
	int64_t ent = req_param_id(r, 0);
	const char *p[] = { r->params[0] };
	if (ent == 0 || (r->user->role_bit == ROLE_ENTERPRISE && r->user->enterprise_id != ent) ||
	    db_int1(r->db, "SELECT count(*) FROM enterprises WHERE id = CAST($1 AS BIGINT)", 0, 1, p) <= 0) {
		reply_error(r, 404, "not_found", "id", "no such enterprise");
		return;
	}
	err_t e;
	json_t *o = inbox_policies_json(r->db, ent, &e);
	if (o == NULL)
		reply_err(r, &e);
	else
		reply_json(r, 200, o);
}

static void inbox_done(req_t *r, int rc, const err_t *e)
{
	if (rc < 0) {
		reply_err(r, e);
		return;
	}
	r->audit_entity = "inbox";
	r->audit_id = r->params[0];
	api_inbox_list(r);
}

void api_inbox_read(req_t *r)
{
	err_t e;
	int rc = inbox_read(r->db, r->user->enterprise_id, r->params[0], now_sec(), &e);
	inbox_done(r, rc, &e);
}

static void answer(req_t *r, int confirm)
{
	const char *reason = NULL;
	if (body_text(r, "reason", &reason) < 0)
		return;
	err_t e;
	int rc = inbox_answer(r->db, r->user->enterprise_id, req_param_id(r, 0), confirm, reason, now_sec(), &e);
	inbox_done(r, rc, &e);
}

void api_inbox_confirm(req_t *r) { answer(r, 1); }
void api_inbox_decline(req_t *r) { answer(r, 0); }

static void mute(req_t *r, int on)
{
	err_t e;
	int rc = inbox_mute(r->db, r->user->enterprise_id, req_param_id(r, 0), on, now_sec(), &e);
	inbox_done(r, rc, &e);
}

void api_inbox_mute(req_t *r) { mute(r, 1); }
void api_inbox_unmute(req_t *r) { mute(r, 0); }
