/* projects.c -- reading projects for the battle board. */
#include "race.h"
#include "race_util.h"

#include <stdlib.h>
#include <string.h>

static const char *const stages[] = { "lead", "negotiating", "signed", "landed", "started", "producing", NULL };

#define PRJ_COLS \
	"SELECT p.id, p.name, p.unit_id, un.name AS unit_name, p.recruiter_id, u.display_name AS recruiter_name," \
	" p.enterprise_id, p.industry, p.stage, p.total_investment_wan, p.foreign_investment_wan_usd," \
	" p.lead_on, p.signed_on, p.landed_on, p.started_on, p.producing_on, p.lead_id, p.land_mu," \
	" p.expected_annual_tax_wan, p.created_at, p.updated_at, p.negotiating_on" \
	" FROM projects p JOIN units un ON un.id = p.unit_id LEFT JOIN users u ON u.id = p.recruiter_id"

static json_t *project_row(db_stmt_t *st)
{
	json_t *o = row_json(st, "isisisissiisssssidiiis");
	json_object_set_new(o, "major", json_boolean(db_col_int(st, 9) >= MAJOR_PROJECT_WAN));
	json_object_set_new(o, "total_investment", race_wan_to_yi(db_col_int(st, 9)));
	json_object_set_new(o, "foreign_investment", race_wan_to_yi(db_col_int(st, 10)));
	json_object_set_new(o, "expected_annual_tax", json_integer(db_col_int(st, 18)));
	return o;
}

static json_t *project_load(db_t *db, int64_t id, int *rc)
{
	db_stmt_t *st = db_prepare(db, PRJ_COLS " WHERE p.id = $1");
	db_bind_int(st, 1, id);
	json_t *o = NULL;
	*rc = db_step(st);
	if (*rc == DB_ROW)
		o = project_row(st);
	db_done(st);
	return o;
}

void api_projects_list(req_t *r)
{
	int64_t limit, offset;
	if (req_paging(r, &limit, &offset) < 0)
		return;
	const char *stage = req_query(r, "stage");
	if (stage && *stage) {
		int ok = 0;
		for (int i = 0; stages[i]; i++)
			ok |= strcmp(stage, stages[i]) == 0;
		if (!ok) {
			reply_error(r, 422, "invalid_parameter", "stage",
			            "stage must be one of lead, negotiating, signed, landed, started, producing");
			return;
		}
	} else {
		stage = NULL;
	}
	int64_t unit, major;
	if (req_query_id(r, "unit_id", &unit) < 0 || req_query_bool(r, "major", &major) < 0)
		return;
	int64_t min_wan = major == 1 ? MAJOR_PROJECT_WAN : 0;
	const char *industry = req_query(r, "industry");
	if (industry && !*industry)
		industry = NULL;
	const char *q = like_pattern(r, req_query(r, "q"));
#define PRJ_WHERE \
	" WHERE (CAST($1 AS TEXT) IS NULL OR p.stage = $1) AND (CAST($2 AS BIGINT) = 0 OR p.unit_id = $2)" \
	" AND p.total_investment_wan >= $3 AND (CAST($4 AS TEXT) IS NULL OR p.industry = $4)" \
	" AND (CAST($5 AS TEXT) IS NULL OR lower(p.name) LIKE lower($5) ESCAPE '\\')"
	db_stmt_t *st = db_prepare(r->db, "SELECT count(*) FROM projects p" PRJ_WHERE);
	db_bind_text(st, 1, stage);
	db_bind_int(st, 2, unit);
	db_bind_int(st, 3, min_wan);
	db_bind_text(st, 4, industry);
	db_bind_text(st, 5, q);
	int64_t total = db_step(st) == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	st = db_prepare(r->db, PRJ_COLS PRJ_WHERE " ORDER BY p.total_investment_wan DESC, p.id LIMIT $6 OFFSET $7");
	db_bind_text(st, 1, stage);
	db_bind_int(st, 2, unit);
	db_bind_int(st, 3, min_wan);
	db_bind_text(st, 4, industry);
	db_bind_text(st, 5, q);
	db_bind_int(st, 6, limit);
	db_bind_int(st, 7, offset);
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		json_array_append_new(items, project_row(st));
	}
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing projects");
		return;
	}
	reply_list(r, items, total, limit, offset);
}

static const char *const PRJ_FIELDS[] = { "name", "unit_id", "lead_id", "industry", "total_investment",
	"foreign_investment", "land_mu", "expected_annual_tax", "signed_on", "landed_on", "started_on", "producing_on",
	"recruiter_id", "negotiating", "negotiating_on", "back_from", "reason", NULL };

/* A date field: absent keeps *out; null or "" clears it. */
static int date_field(req_t *r, json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL)
		return 0;
	if (json_is_null(v)) {
		*out = "";
		return 1;
	}
	return body_str(r, o, key, out);
}

static int project_body(req_t *r, json_t *o, struct project_in *in)
{
	if (body_unknown_field(r, o, PRJ_FIELDS))
		return -1;
	if (body_str(r, o, "name", &in->name) < 0 || body_int(r, o, "unit_id", &in->unit_id) < 0 ||
	    body_str(r, o, "industry", &in->industry) < 0 || body_int(r, o, "recruiter_id", &in->recruiter_id) < 0 ||
	    date_field(r, o, "signed_on", &in->signed_on) < 0 || date_field(r, o, "landed_on", &in->landed_on) < 0 ||
	    date_field(r, o, "started_on", &in->started_on) < 0 ||
	    date_field(r, o, "producing_on", &in->producing_on) < 0 ||
	    date_field(r, o, "negotiating_on", &in->negotiating_on) < 0)
		return -1;
	json_t *v = json_object_get(o, "lead_id");
	if (v && json_is_null(v))
		in->lead_id = 0;
	else if (body_int(r, o, "lead_id", &in->lead_id) < 0)
		return -1;
	int neg;
	int hn = body_bool(r, o, "negotiating", &neg);
	if (hn < 0)
		return -1;
	if (hn)
		in->negotiating = neg;
	err_t err;
	if ((v = json_object_get(o, "total_investment")) && !json_is_null(v) &&
	    race_yi_json(v, "total_investment", &in->total_investment_wan, &err) < 0)
		goto bad;
	if ((v = json_object_get(o, "foreign_investment")) && !json_is_null(v) &&
	    race_yi_json(v, "foreign_investment", &in->foreign_investment_wan_usd, &err) < 0)
		goto bad;
	if ((v = json_object_get(o, "expected_annual_tax")) && !json_is_null(v) &&
	    race_wan_json(v, "expected_annual_tax", &in->expected_annual_tax_wan, &err) < 0)
		goto bad;
	if ((v = json_object_get(o, "land_mu")) && !json_is_null(v)) {
		if (!json_is_number(v)) {
			err_set(&err, 422, "invalid_type", "land_mu", "land_mu must be a number");
			goto bad;
		}
		in->land_mu = json_number_value(v);
		if (in->land_mu < 0) {
			err_set(&err, 422, "negative_amount", "land_mu", "land_mu must not be negative");
			goto bad;
		}
	}
	return 0;
bad:
	reply_err(r, &err);
	return -1;
}

static void reply_project(req_t *r, int status, int64_t id)
{
	int rc;
	json_t *out = project_load(r->db, id, &rc);
	if (out == NULL) {
		reply_db_error(r, rc == DB_DONE ? DB_ERR : rc, "reading a project");
		return;
	}
	r->audit_entity = "project";
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
	reply_json(r, status, out);
}

void api_projects_create(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	struct project_in in = { 0 };
	if (project_body(r, o, &in) < 0)
		return;
	int64_t id = 0;
	err_t err;
	if (project_insert(r->db, r->user, &in, now_sec(), &id, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	reply_project(r, 201, id);
}

void api_project_get(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	int rc = DB_DONE;
	json_t *o = id ? project_load(r->db, id, &rc) : NULL;
	if (o == NULL) {
		if (rc == DB_DONE)
			reply_error(r, 404, "not_found", NULL, "no such project");
		else
			reply_db_error(r, rc, "reading a project");
		return;
	}
	reply_json(r, 200, o);
}

/* Back one stage (PATCH {"back_from": the card's stage, "reason"}): the
 * date that put the project in its stage is cleared, and the stage derived
 * again (docs/race.md).  back_from must be the project's stage (409
 * stage_changed: someone moved it meanwhile), with nothing else but a
 * reason (race_reason_check, 422); a lead has no stage before it, and a
 * project from a qualified lead negotiates from the lead's day (422
 * no_previous_stage).  The audit row keeps from, to and the reason.  0
 * with *to the stage it goes back to, or -1 after replying. */
static int project_back(req_t *r, json_t *o, struct project_in *in, const char *stage, const char **to)
{
	static const char *const allowed[] = { "back_from", "reason", NULL };
	const char *from = NULL, *reason = NULL;
	if (body_unknown_field(r, o, allowed) || body_str(r, o, "back_from", &from) < 0 ||
	    body_str(r, o, "reason", &reason) < 0)
		return -1;
	err_t err = { 0 };
	const char **date = !strcmp(stage, "producing") ? &in->producing_on : !strcmp(stage, "started") ? &in->started_on
		: !strcmp(stage, "landed") ? &in->landed_on : !strcmp(stage, "signed") ? &in->signed_on : NULL;
	if (from == NULL || *from == '\0')
		err_set(&err, 422, "required", "back_from", "back_from is required with a reason");
	else if (strcmp(from, stage) != 0) {
		err_set(&err, 409, "stage_changed", "back_from", "the project is at stage %s, not %s", stage, from);
		err_param(&err, "stage", "%s", stage);
	} else if (date == NULL && !(strcmp(stage, "negotiating") == 0 && in->lead_id == 0)) {
		err_set(&err, 422, "no_previous_stage", "back_from", "a project at stage %s has no stage before it", stage);
		err_param(&err, "stage", "%s", stage);
	} else if (race_reason_check(reason, &err) == 0) {
		if (date)
			*date = "";
		else
			in->negotiating = 0, in->negotiating_on = "";
		*to = race_stage(in->signed_on, in->landed_on, in->started_on, in->producing_on, in->lead_id != 0,
		                 in->negotiating || (in->negotiating_on && *in->negotiating_on));
		json_t *d = json_pack("{s:s,s:s,s:s}", "back_from", stage, "back_to", *to, "reason", reason);
		char *text = json_dumps(d, JSON_COMPACT);
		r->audit_action = "project.back";
		r->audit_detail = text ? arena_strdup(r->arena, text) : NULL;
		free(text);
		json_decref(d);
		return 0;
	}
	reply_err(r, &err);
	return -1;
}

void api_project_update(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	db_stmt_t *st = db_prepare(r->db,
		"SELECT name, unit_id, COALESCE(lead_id, 0), industry, total_investment_wan, foreign_investment_wan_usd,"
		" land_mu, expected_annual_tax_wan, signed_on, landed_on, started_on, producing_on,"
		" COALESCE(recruiter_id, 0), stage, COALESCE(enterprise_id, 0), negotiating_on FROM projects WHERE id = $1");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	struct project_in in = { 0 };
	int64_t old_unit = 0, old_ent = 0;
	const char *old_stage = "";
	if (rc == DB_ROW) {
		in.name = arena_strdup(r->arena, db_col_text(st, 0));
		in.unit_id = old_unit = db_col_int(st, 1);
		in.lead_id = db_col_int(st, 2);
		in.industry = arena_strdup(r->arena, db_col_text(st, 3));
		in.total_investment_wan = db_col_int(st, 4);
		in.foreign_investment_wan_usd = db_col_int(st, 5);
		in.land_mu = db_col_double(st, 6);
		in.expected_annual_tax_wan = db_col_int(st, 7);
		in.signed_on = arena_strdup(r->arena, db_col_text(st, 8));
		in.landed_on = arena_strdup(r->arena, db_col_text(st, 9));
		in.started_on = arena_strdup(r->arena, db_col_text(st, 10));
		in.producing_on = arena_strdup(r->arena, db_col_text(st, 11));
		in.recruiter_id = db_col_int(st, 12);
		old_stage = arena_strdup(r->arena, db_col_text(st, 13));
		in.negotiating = strcmp(old_stage, "negotiating") == 0;
		old_ent = db_col_int(st, 14);
		in.negotiating_on = arena_strdup(r->arena, db_col_text(st, 15));
	}
	db_done(st);
	if (rc != DB_ROW) {
		if (rc == DB_DONE)
			reply_error(r, 404, "not_found", NULL, "no such project");
		else
			reply_db_error(r, rc, "reading a project");
		return;
	}
	const user_t *me = r->user;
	/* the project's recruiter while in its unit, the unit's leader, an admin;
	 * project_validate then checks the changed project the same way */
	if (!race_may_record(me, old_unit, in.recruiter_id)) {
		reply_error(r, 403, "forbidden", NULL, "you may not edit this project");
		return;
	}
	const char *back_to = NULL;
	const char *old_industry = in.industry;
	if (json_object_get(o, "back_from") || json_object_get(o, "reason")) {
		if (project_back(r, o, &in, old_stage, &back_to) < 0)
			return;
	} else if (project_body(r, o, &in) < 0)
		return;
	in.industry_kept = strcmp(old_industry ? old_industry : "", in.industry ? in.industry : "") == 0;
	char lead_on[11];
	const char *stage;
	int64_t ent;
	err_t err;
	if (project_validate(r->db, me, &in, lead_on, &stage, &ent, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	if (back_to && strcmp(stage, back_to) != 0) {
		reply_error(r, 500, "internal", NULL, "moving back gave stage %s, not %s", stage, back_to);
		return;
	}
	if (ent == 0)
		ent = old_ent;
	st = db_prepare(r->db,
		"UPDATE projects SET name = $2, unit_id = $3, recruiter_id = $4, enterprise_id = $5, industry = $6,"
		" stage = $7, total_investment_wan = $8, foreign_investment_wan_usd = $9, lead_on = $10, signed_on = $11,"
		" landed_on = $12, started_on = $13, producing_on = $14, lead_id = $15, land_mu = $16,"
		" expected_annual_tax_wan = $17, updated_at = $18, negotiating_on = $19 WHERE id = $1");
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, in.name);
	db_bind_int(st, 3, in.unit_id);
	if (in.recruiter_id) db_bind_int(st, 4, in.recruiter_id); else db_bind_null(st, 4);
	if (ent) db_bind_int(st, 5, ent); else db_bind_null(st, 5);
	db_bind_text(st, 6, in.industry ? in.industry : "");
	db_bind_text(st, 7, stage);
	db_bind_int(st, 8, in.total_investment_wan);
	db_bind_int(st, 9, in.foreign_investment_wan_usd);
	db_bind_text(st, 10, lead_on);
	db_bind_text(st, 11, in.signed_on ? in.signed_on : "");
	db_bind_text(st, 12, in.landed_on ? in.landed_on : "");
	db_bind_text(st, 13, in.started_on ? in.started_on : "");
	db_bind_text(st, 14, in.producing_on ? in.producing_on : "");
	if (in.lead_id) db_bind_int(st, 15, in.lead_id); else db_bind_null(st, 15);
	db_bind_double(st, 16, in.land_mu);
	db_bind_int(st, 17, in.expected_annual_tax_wan);
	db_bind_int(st, 18, now_sec());
	db_bind_text(st, 19, in.negotiating_on ? in.negotiating_on : "");
	rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE) {
		reply_db_error(r, rc, "updating a project");
		return;
	}
	reply_project(r, 200, id);
}
