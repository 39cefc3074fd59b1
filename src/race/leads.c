/* leads.c -- qualified leads (有效信息): entry with duplicate detection
 * across units, the leader's qualification, changes under the race's rules
 * (race_util.h: who reads, edits and moves a lead; a qualified or rejected
 * lead is frozen), listing. */
#include "race.h"
#include "race_util.h"

#include <stdlib.h>
#include <string.h>

#define LEAD_COLS \
	"SELECT l.id, l.unit_id, un.name AS unit_name, l.recruiter_id, u.display_name AS recruiter_name, l.company," \
	" l.credit_code, l.industry, l.est_investment_wan, l.captured_on, l.status, l.duplicate_of, l.notes," \
	" l.created_at, l.updated_at, d.unit_id AS duplicate_unit_id, du.name AS duplicate_unit_name" \
	" FROM leads l JOIN units un ON un.id = l.unit_id LEFT JOIN users u ON u.id = l.recruiter_id" \
	" LEFT JOIN leads d ON d.id = l.duplicate_of LEFT JOIN units du ON du.id = d.unit_id"
#define LEAD_TYPES "iisissssissisiiis"

static json_t *lead_row(db_stmt_t *st)
{
	json_t *o = row_json(st, LEAD_TYPES);
	json_object_set_new(o, "est_investment", race_wan_to_yi(db_col_int(st, 8)));
	json_object_set_new(o, "qualified", json_boolean(strcmp(db_col_text(st, 10), "qualified") == 0));
	json_object_set_new(o, "duplicate", json_boolean(!db_col_isnull(st, 11)));
	return o;
}

static json_t *lead_load(db_t *db, int64_t id, int *rc)
{
	db_stmt_t *st = db_prepare(db, LEAD_COLS " WHERE l.id = $1");
	db_bind_int(st, 1, id);
	json_t *o = NULL;
	*rc = db_step(st);
	if (*rc == DB_ROW)
		o = lead_row(st);
	db_done(st);
	return o;
}

/* reason: why a qualified or rejected lead is changed (PATCH only; kept in
 * the audit log, not in the lead). */
static const char *const LEAD_FIELDS[] = { "unit_id", "recruiter_id", "company", "credit_code", "industry",
	"est_investment", "captured_on", "qualified", "status", "notes", "reason", NULL };

static const char *status_name(int qualified)
{
	return qualified == 1 ? "qualified" : qualified == 0 ? "rejected" : "pending";
}

/* Read the body fields into in (only those present), and the reason when
 * reason is not NULL (else a reason is an unknown field).  -1 after
 * replying. */
static int lead_body(req_t *r, json_t *o, struct lead_in *in, const char **reason)
{
	if (body_unknown_field(r, o, LEAD_FIELDS))
		return -1;
	if (reason == NULL && json_object_get(o, "reason")) {
		reply_error(r, 422, "unknown_field", "reason", "unknown field 'reason'");
		return -1;
	}
	if (reason && body_str(r, o, "reason", reason) < 0)
		return -1;
	if (body_int(r, o, "unit_id", &in->unit_id) < 0 || body_int(r, o, "recruiter_id", &in->recruiter_id) < 0 ||
	    body_str(r, o, "company", &in->company) < 0 || body_str(r, o, "credit_code", &in->credit_code) < 0 ||
	    body_str(r, o, "industry", &in->industry) < 0 || body_str(r, o, "captured_on", &in->captured_on) < 0 ||
	    body_str(r, o, "notes", &in->notes) < 0)
		return -1;
	json_t *v = json_object_get(o, "est_investment");
	if (v && !json_is_null(v)) {
		err_t err;
		if (race_yi_json(v, "est_investment", &in->est_investment_wan, &err) < 0) {
			reply_err(r, &err);
			return -1;
		}
	}
	int q;
	int has_q = body_bool(r, o, "qualified", &q);
	if (has_q < 0)
		return -1;
	if (has_q)
		in->qualified = q;
	const char *status = NULL;
	if (body_str(r, o, "status", &status) < 0)
		return -1;
	if (status) {
		if (strcmp(status, "qualified") == 0) in->qualified = 1;
		else if (strcmp(status, "rejected") == 0) in->qualified = 0;
		else if (strcmp(status, "pending") == 0) in->qualified = -1;
		else {
			reply_error(r, 422, "invalid_status", "status", "status must be pending, qualified or rejected");
			return -1;
		}
		if (has_q && in->qualified != q) {
			reply_error(r, 422, "conflict", "status", "status and qualified disagree");
			return -1;
		}
	}
	return 0;
}

void api_leads_create(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	struct lead_in in = { .qualified = -1 };
	if (lead_body(r, o, &in, NULL) < 0)
		return;
	int64_t id = 0, dup, dup_unit;
	err_t err;
	if (lead_insert(r->db, r->user, &in, now_sec(), &id, &dup, &dup_unit, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	int rc;
	json_t *out = lead_load(r->db, id, &rc);
	if (out == NULL) {
		reply_db_error(r, rc == DB_DONE ? DB_ERR : rc, "reading the new lead");
		return;
	}
	r->audit_entity = "lead";
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
	reply_json(r, 201, out);
}

void api_lead_get(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	int rc = DB_DONE;
	json_t *o = id ? lead_load(r->db, id, &rc) : NULL;
	/* another unit's lead is no lead to a recruiter: 404, as in the list */
	if (o && !lead_may_read(r->user, json_integer_value(json_object_get(o, "unit_id")))) {
		json_decref(o);
		o = NULL;
		rc = DB_DONE;
	}
	if (o == NULL) {
		if (rc == DB_DONE)
			reply_error(r, 404, "not_found", NULL, "no such lead");
		else
			reply_db_error(r, rc, "reading a lead");
		return;
	}
	reply_json(r, 200, o);
}

int lead_read(db_t *db, arena_t *a, int64_t id, struct lead_in *in, int64_t *created_by)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT unit_id, COALESCE(recruiter_id, 0), company, credit_code, industry, est_investment_wan, captured_on,"
		" status, notes, COALESCE(created_by, 0) FROM leads WHERE id = $1");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		memset(in, 0, sizeof *in);
		in->unit_id = db_col_int(st, 0);
		in->recruiter_id = db_col_int(st, 1);
		in->company = arena_strdup(a, db_col_text(st, 2));
		in->credit_code = arena_strdup(a, db_col_text(st, 3));
		in->industry = arena_strdup(a, db_col_text(st, 4));
		in->est_investment_wan = db_col_int(st, 5);
		in->captured_on = arena_strdup(a, db_col_text(st, 6));
		const char *s = db_col_text(st, 7);
		in->qualified = strcmp(s, "qualified") == 0 ? 1 : strcmp(s, "rejected") == 0 ? 0 : -1;
		in->notes = arena_strdup(a, db_col_text(st, 8));
		*created_by = db_col_int(st, 9);
	}
	db_done(st);
	return rc;
}

int lead_may_read(const user_t *actor, int64_t unit_id)
{
	return actor == NULL || (actor->role_bit & (ROLE_ADMIN | ROLE_LEADER)) || race_may_unit(actor, unit_id);
}

int lead_may_edit(const user_t *actor, const struct lead_in *old)
{
	return race_may_record(actor, old->unit_id, old->recruiter_id);
}

static int str_differ(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") != 0;
}

/* The former (stored) values of the fields that in changes, or NULL when it changes none. */
static json_t *lead_changes(const struct lead_in *old, const struct lead_in *in)
{
	json_t *o = json_object();
	if (in->unit_id != old->unit_id)
		json_object_set_new(o, "unit_id", json_integer(old->unit_id));
	if (in->recruiter_id != old->recruiter_id)
		json_object_set_new(o, "recruiter_id", old->recruiter_id ? json_integer(old->recruiter_id) : json_null());
	const struct { const char *name, *was, *is; } text[] = {
		{ "company", old->company, in->company }, { "credit_code", old->credit_code, in->credit_code },
		{ "industry", old->industry, in->industry }, { "captured_on", old->captured_on, in->captured_on },
		{ "notes", old->notes, in->notes },
	};
	for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
		if (str_differ(text[i].was, text[i].is))
			json_object_set_new(o, text[i].name, json_string(text[i].was ? text[i].was : ""));
	if (in->est_investment_wan != old->est_investment_wan)
		json_object_set_new(o, "est_investment", race_wan_to_yi(old->est_investment_wan));
	if (in->qualified != old->qualified)
		json_object_set_new(o, "status", json_string(status_name(old->qualified)));
	if (json_object_size(o) == 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The checks of lead_update before the new fields are looked at. */
static int lead_update_allowed(const user_t *actor, const struct lead_in *old, const struct lead_in *in, err_t *err)
{
	if (!lead_may_edit(actor, old))
		return err_set(err, 403, "forbidden", NULL, "you may not edit this lead");
	if (old->qualified != -1 && !race_may_lead(actor, old->unit_id))
		return err_set(err, 409, "lead_frozen", "status", "the lead is %s: only its unit's leader changes it, with a reason",
		               status_name(old->qualified)), err_param(err, "status", "%s", status_name(old->qualified));
	if (in->qualified != old->qualified && !race_may_lead(actor, old->unit_id))
		return err_set(err, 403, "forbidden", "status", "only the unit's leader qualifies or rejects leads");
	return 0;
}

int lead_update(db_t *db, const user_t *actor, int64_t id, const struct lead_in *old, struct lead_in *in,
                const char *reason, int64_t now, json_t **before, err_t *err)
{
	if (before)
		*before = NULL;
	if (lead_update_allowed(actor, old, in, err) < 0)
		return -1;
	char code[32];
	size_t klen = strlen(in->company ? in->company : "") + 8;
	char *key = malloc(klen);
	if (key == NULL)
		return err_set(err, 500, "internal", NULL, "out of memory");
	int64_t dup, dup_unit;
	in->industry_kept = !str_differ(old->industry, in->industry);
	/* with the actor's own rights: the new unit and recruiter are checked as for a new lead */
	int rc = lead_validate(db, actor, in, id, code, key, klen, &dup, &dup_unit, err);
	if (rc == 0 && !race_may_record(actor, in->unit_id, in->recruiter_id))
		rc = err_set(err, 403, "forbidden", "unit_id", "you may not move the lead there");
	json_t *changed = rc == 0 ? lead_changes(old, in) : NULL;
	/* a qualified or rejected lead changes only with a written reason */
	if (rc == 0 && changed && old->qualified != -1)
		rc = race_reason_check(reason, err);
	if (rc < 0) {
		json_decref(changed);
		free(key);
		return -1;
	}
	db_stmt_t *st = db_prepare(db,
		"UPDATE leads SET unit_id = $2, recruiter_id = $3, company = $4, company_key = $5, credit_code = $6,"
		" industry = $7, est_investment_wan = $8, captured_on = $9, status = $10, duplicate_of = $11, notes = $12,"
		" updated_at = $13 WHERE id = $1");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, in->unit_id);
	if (in->recruiter_id) db_bind_int(st, 3, in->recruiter_id); else db_bind_null(st, 3);
	db_bind_text(st, 4, in->company);
	db_bind_text(st, 5, key);
	db_bind_text(st, 6, in->credit_code);
	db_bind_text(st, 7, in->industry ? in->industry : "");
	db_bind_int(st, 8, in->est_investment_wan);
	db_bind_text(st, 9, in->captured_on);
	db_bind_text(st, 10, status_name(in->qualified));
	if (dup) db_bind_int(st, 11, dup); else db_bind_null(st, 11);
	db_bind_text(st, 12, in->notes ? in->notes : "");
	db_bind_int(st, 13, now);
	rc = db_step(st);
	db_done(st);
	free(key);
	if (rc != DB_DONE) {
		json_decref(changed);
		return db_fail(err, db, rc, "updating a lead");
	}
	if (before)
		*before = changed;
	else
		json_decref(changed);
	return 0;
}

void api_lead_update(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	struct lead_in old;
	int64_t created_by = 0;
	int rc = lead_read(r->db, r->arena, id, &old, &created_by);
	if (rc == DB_ROW && !lead_may_read(r->user, old.unit_id))
		rc = DB_DONE;   /* another unit's lead is no lead to a recruiter */
	if (rc != DB_ROW) {
		if (rc == DB_DONE)
			reply_error(r, 404, "not_found", NULL, "no such lead");
		else
			reply_db_error(r, rc, "reading a lead");
		return;
	}
	if (!lead_may_edit(r->user, &old)) {
		reply_error(r, 403, "forbidden", NULL, "you may not edit this lead");
		return;
	}
	struct lead_in in = old;
	const char *reason = NULL;
	if (lead_body(r, o, &in, &reason) < 0)
		return;
	err_t err;
	json_t *before = NULL;
	if (lead_update(r->db, r->user, id, &old, &in, reason, now_sec(), &before, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	json_t *out = lead_load(r->db, id, &rc);
	if (out == NULL) {
		json_decref(before);
		reply_db_error(r, rc == DB_DONE ? DB_ERR : rc, "reading a lead");
		return;
	}
	r->audit_entity = "lead";
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
	if (before || reason) {   /* what was changed from, and why */
		json_t *d = json_object();
		if (reason)
			json_object_set_new(d, "reason", json_string(reason));
		if (before)
			json_object_set_new(d, "before", before);
		char *text = json_dumps(d, JSON_COMPACT);
		r->audit_detail = text ? arena_strdup(r->arena, text) : NULL;
		free(text);
		json_decref(d);
	}
	reply_json(r, 200, out);
}

static void lead_bind(db_stmt_t *st, int64_t unit, int64_t recruiter, const char *from, const char *to,
                      const char *status, const char *q, const char *qraw)
{
	db_bind_int(st, 1, unit);
	db_bind_int(st, 2, recruiter);
	db_bind_text(st, 3, from);
	db_bind_text(st, 4, to);
	db_bind_text(st, 5, status);
	db_bind_text(st, 6, q);
	db_bind_text(st, 7, qraw);
}

void api_leads_list(req_t *r)
{
	int64_t limit, offset, unit, recruiter;
	if (req_paging(r, &limit, &offset) < 0 || req_query_id(r, "unit_id", &unit) < 0 ||
	    req_query_id(r, "recruiter_id", &recruiter) < 0)
		return;
	/* leaders and admins see every unit; a recruiter its own unit's leads (lead_may_read) */
	if (!lead_may_read(r->user, unit ? unit : -1))
		unit = r->user->unit_id > 0 ? r->user->unit_id : -1;
	const char *month = req_query(r, "month"), *status = req_query(r, "status");
	char first[11] = "", last[11] = "";
	if (month && *month) {
		if (month_range(month, first, last) != DATE_OK) {
			reply_error(r, 422, "invalid_parameter", "month", "month must be YYYY-MM");
			return;
		}
	}
	if (status && *status) {
		if (strcmp(status, "pending") && strcmp(status, "qualified") && strcmp(status, "rejected")) {
			reply_error(r, 422, "invalid_parameter", "status", "status must be pending, qualified or rejected");
			return;
		}
	} else {
		status = NULL;
	}
	const char *q = like_pattern(r, req_query(r, "q"));
	const char *from = *first ? first : NULL, *to = *last ? last : NULL;
#define LEAD_WHERE \
	" WHERE (CAST($1 AS BIGINT) = 0 OR l.unit_id = $1) AND (CAST($2 AS BIGINT) = 0 OR l.recruiter_id = $2)" \
	" AND (CAST($3 AS TEXT) IS NULL OR l.captured_on >= $3) AND (CAST($4 AS TEXT) IS NULL OR l.captured_on <= $4)" \
	" AND (CAST($5 AS TEXT) IS NULL OR l.status = $5)" \
	" AND (CAST($6 AS TEXT) IS NULL OR lower(l.company) LIKE lower($6) ESCAPE '\\' OR l.credit_code = upper($7))"
	const char *qraw = q ? req_query(r, "q") : NULL;
	db_stmt_t *st = db_prepare(r->db, "SELECT count(*) FROM leads l" LEAD_WHERE);
	lead_bind(st, unit, recruiter, from, to, status, q, qraw);
	int rc = db_step(st);
	int64_t total = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc != DB_ROW) {
		reply_db_error(r, rc, "counting leads");
		return;
	}
	st = db_prepare(r->db, LEAD_COLS LEAD_WHERE " ORDER BY l.captured_on DESC, l.id DESC LIMIT $8 OFFSET $9");
	lead_bind(st, unit, recruiter, from, to, status, q, qraw);
	db_bind_int(st, 8, limit);
	db_bind_int(st, 9, offset);
	json_t *items = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, lead_row(st));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing leads");
		return;
	}
	reply_list(r, items, total, limit, offset);
}
