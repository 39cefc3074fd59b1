/* projects.c -- reading projects for the battle board. */
#include "race.h"

#include <stdlib.h>
#include <string.h>

static const char *const stages[] = { "lead", "negotiating", "signed", "landed", "started", "producing", NULL };

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
#define PRJ_WHERE \
	" WHERE (CAST($1 AS TEXT) IS NULL OR p.stage = $1) AND (CAST($2 AS BIGINT) = 0 OR p.unit_id = $2)" \
	" AND p.total_investment_wan >= $3"
	db_stmt_t *st = db_prepare(r->db, "SELECT count(*) FROM projects p" PRJ_WHERE);
	db_bind_text(st, 1, stage);
	db_bind_int(st, 2, unit);
	db_bind_int(st, 3, min_wan);
	int64_t total = db_step(st) == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	st = db_prepare(r->db,
		"SELECT p.id, p.name, p.unit_id, un.name AS unit_name, p.recruiter_id, u.display_name AS recruiter_name,"
		" p.enterprise_id, p.industry, p.stage, p.total_investment_wan, p.foreign_investment_wan_usd,"
		" p.lead_on, p.signed_on, p.landed_on, p.started_on, p.producing_on"
		" FROM projects p JOIN units un ON un.id = p.unit_id LEFT JOIN users u ON u.id = p.recruiter_id"
		PRJ_WHERE " ORDER BY p.total_investment_wan DESC, p.id LIMIT $4 OFFSET $5");
	db_bind_text(st, 1, stage);
	db_bind_int(st, 2, unit);
	db_bind_int(st, 3, min_wan);
	db_bind_int(st, 4, limit);
	db_bind_int(st, 5, offset);
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *o = row_json(st, "isisisissiisssss");
		json_object_set_new(o, "major", json_boolean(db_col_int(st, 9) >= MAJOR_PROJECT_WAN));
		json_array_append_new(items, o);
	}
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing projects");
		return;
	}
	reply_list(r, items, total, limit, offset);
}

void api_projects_create(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_project_get(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_project_update(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}
