/*
 * facts_api.c -- the fact definitions and an enterprise's yearly facts
 * over HTTP.  Who may call what is routes.c's (docs/permissions.md); the
 * handlers narrow an enterprise account to its own enterprise.
 *
 *   GET  /api/v1/facts/defs             {"items":[{name, label, label_en, unit, unit_en, type, builtin}]}
 *   POST /api/v1/facts/defs             {name, label, label_en?, unit?, unit_en?, type?} → 201 the definition
 *   GET  /api/v1/enterprises/{id}/facts {"enterprise_id", "years":[{"year", "facts":{name: value}}]}
 */
#include "facts.h"

#include <string.h>

#include "auth/auth.h"

/* ---- definitions ---- */

static json_t *def_json(const struct rule_fact_def *d, int builtin)
{
	return json_pack("{s:s s:s s:s s:s s:s s:s s:b}", "name", d->name, "label", d->label_zh ? d->label_zh : "",
	                 "label_en", d->label_en ? d->label_en : "", "unit", d->unit_zh ? d->unit_zh : "",
	                 "unit_en", d->unit_en ? d->unit_en : "", "type", d->type == RULE_T_BOOL ? "bool" : "number",
	                 "builtin", builtin);
}

void api_fact_defs_list(req_t *r)
{
	struct rule_facts defs;
	err_t err;
	if (fact_defs_load(r->db, r->arena, &defs, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < defs.n; i++)
		json_array_append_new(items, def_json(&defs.defs[i], i < rule_builtin_nfacts));
	reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* A text field of a definition: at most max characters, one line. */
static int def_text(const char *field, const char *s, size_t max, int required, err_t *err)
{
	if (required && (s == NULL || *s == '\0'))
		return err_set(err, 422, "required", field, "%s is required", field);
	if (s != NULL && !text_ok(s, max, 0)) {
		err_set(err, 422, "too_long", field, "%s is at most %zu characters on one line", field, max);
		err_param(err, "max", "%zu", max);
		return -1;
	}
	return 0;
}

/* Declare a fact.  0, or -1 with err: 422 (invalid name, label, type),
 * 409 fact_exists (the name, or the Chinese label of another fact). */
static int fact_def_create(db_t *db, const struct rule_fact_def *d, err_t *err)
{
	if (rule_fact_name_ok(d->name, err) < 0 || def_text("label", d->label_zh, 32, 1, err) < 0 ||
	    def_text("label_en", d->label_en, 64, 0, err) < 0 || def_text("unit", d->unit_zh, 16, 0, err) < 0 ||
	    def_text("unit_en", d->unit_en, 32, 0, err) < 0)
		return -1;
	const char *p[2] = { d->name, d->label_zh };
	int64_t n = db_int1(db, "SELECT count(*) FROM fact_defs WHERE name = $1", -1, 1, p);
	int64_t l = n == 0 ? db_int1(db, "SELECT count(*) FROM fact_defs WHERE label = $1", -1, 1, p + 1) : 0;
	if (n < 0 || l < 0)
		return db_fail(err, db, DB_ERR, "reading the fact definitions");
	if (n > 0 || l > 0) {
		err_set(err, 409, "fact_exists", n ? "name" : "label", "a fact %s \"%s\" exists", n ? "named" : "labelled",
		        n ? d->name : d->label_zh);
		err_param(err, "value", "%s", n ? d->name : d->label_zh);
		return -1;
	}
	db_stmt_t *st = db_prepare(db, "INSERT INTO fact_defs (name, label, label_en, unit, unit_en, type, builtin, created_at)"
	                               " VALUES ($1, $2, $3, $4, $5, $6, 0, $7)");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the fact definition");
	db_bind_text(st, 1, d->name);
	db_bind_text(st, 2, d->label_zh);
	db_bind_text(st, 3, d->label_en ? d->label_en : "");
	db_bind_text(st, 4, d->unit_zh ? d->unit_zh : "");
	db_bind_text(st, 5, d->unit_en ? d->unit_en : "");
	db_bind_text(st, 6, d->type == RULE_T_BOOL ? "bool" : "number");
	db_bind_int(st, 7, now_sec());
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "saving the fact definition");
}

void api_fact_defs_create(req_t *r)
{
	static const char *const allowed[] = { "name", "label", "label_en", "unit", "unit_en", "type", NULL };
	json_t *o = req_object(r);
	if (o == NULL || body_unknown_field(r, o, allowed))
		return;
	struct rule_fact_def d = { .type = RULE_T_NUM };
	const char *type = NULL;
	if (body_str(r, o, "name", &d.name) < 0 || body_str(r, o, "label", &d.label_zh) < 0 ||
	    body_str(r, o, "label_en", &d.label_en) < 0 || body_str(r, o, "unit", &d.unit_zh) < 0 ||
	    body_str(r, o, "unit_en", &d.unit_en) < 0 || body_str(r, o, "type", &type) < 0)
		return;
	if (type && strcmp(type, "bool") == 0) {
		d.type = RULE_T_BOOL;
		d.unit_zh = d.unit_en = NULL;   /* a yes/no fact has no unit */
	} else if (type && *type && strcmp(type, "number") != 0) {
		reply_error(r, 422, "invalid", "type", "type is \"number\" or \"bool\"");
		return;
	}
	err_t err;
	if (d.name == NULL || *d.name == '\0') {
		reply_error(r, 422, "required", "name", "name is required");
		return;
	}
	if (fact_def_create(r->db, &d, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	r->audit_entity = "fact_def";
	r->audit_id = d.name;
	reply_json(r, 201, def_json(&d, 0));
}

/* ---- an enterprise's facts ---- */

void api_enterprise_facts(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	/* as reading the enterprise: an enterprise account its own only */
	int visible = id > 0 && (r->user->role_bit != ROLE_ENTERPRISE || r->user->enterprise_id == id);
	const char *p[1] = { arena_printf(r->arena, "%lld", (long long)id) };
	if (!visible || db_int1(r->db, "SELECT count(*) FROM enterprises WHERE id = CAST($1 AS BIGINT)", 0, 1, p) <= 0) {
		reply_error(r, 404, "not_found", "id", "no such enterprise");
		return;
	}
	db_stmt_t *st = db_prepare(r->db, "SELECT year, fact, value FROM facts WHERE enterprise_id = $1"
	                                  " ORDER BY year DESC, fact");
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "reading the facts");
		return;
	}
	db_bind_int(st, 1, id);
	json_t *years = json_array(), *cur = NULL;
	int rc, year = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		int y = (int)db_col_int(st, 0);
		if (cur == NULL || y != year) {
			cur = json_object();
			json_array_append_new(years, json_pack("{s:i s:o}", "year", y, "facts", cur));
			year = y;
		}
		json_object_set_new(cur, db_col_text(st, 1), json_decimal(fact_value_from_stored(db_col_int(st, 2))));
	}
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(years);
		reply_db_error(r, rc, "reading the facts");
		return;
	}
	reply_json(r, 200, json_pack("{s:I s:o}", "enterprise_id", (json_int_t)id, "years", years));
}
