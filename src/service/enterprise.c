/* enterprise.c -- reading the enterprise registry. */
#include "service.h"

#include <stdlib.h>
#include <string.h>

#define ENT_SELECT \
	"SELECT e.id, e.credit_code, e.name, e.street_id, s.name AS street_name, e.industry, e.is_key AS key," \
	" e.officer_id, u.display_name AS officer_name, e.department_id, d.name AS department_name," \
	" e.contact_name, e.contact_phone, e.employees, e.registered_capital_wan, e.land_mu, e.founded_on," \
	" e.created_at, e.updated_at" \
	" FROM enterprises e LEFT JOIN streets s ON s.id = e.street_id LEFT JOIN users u ON u.id = e.officer_id" \
	" LEFT JOIN departments d ON d.id = e.department_id"
#define ENT_TYPES "ississbisisssiidsii"

int enterprise_visible(req_t *r, int64_t id)
{
	if (r->user == NULL)
		return 0;
	if (r->user->role_bit == ROLE_ENTERPRISE)
		return r->user->enterprise_id == id;
	return 1;
}

void api_enterprises_list(req_t *r)
{
	int64_t limit, offset, street, officer, only = 0;
	if (req_paging(r, &limit, &offset) < 0 || req_query_id(r, "street_id", &street) < 0 ||
	    req_query_id(r, "officer_id", &officer) < 0)
		return;
	const char *q = req_query(r, "q");
	const char *like = like_pattern(r, q);
	int64_t keyv;
	if (req_query_bool(r, "key", &keyv) < 0)
		return;
	if (r->user->role_bit == ROLE_ENTERPRISE)
		only = r->user->enterprise_id ? r->user->enterprise_id : -1;
#define ENT_WHERE \
	" WHERE (CAST($1 AS TEXT) IS NULL OR lower(e.name) LIKE lower($1) ESCAPE '\\' OR e.credit_code LIKE upper($1) ESCAPE '\\')" \
	" AND (CAST($2 AS BIGINT) = 0 OR e.street_id = $2) AND (CAST($3 AS BIGINT) = 0 OR e.officer_id = $3)" \
	" AND (CAST($4 AS BIGINT) < 0 OR e.is_key = $4) AND (CAST($5 AS BIGINT) = 0 OR e.id = $5)"
	db_stmt_t *st = db_prepare(r->db, "SELECT count(*) FROM enterprises e" ENT_WHERE);
	db_bind_text(st, 1, like);
	db_bind_int(st, 2, street);
	db_bind_int(st, 3, officer);
	db_bind_int(st, 4, keyv);
	db_bind_int(st, 5, only);
	int64_t total = db_step(st) == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	st = db_prepare(r->db, ENT_SELECT ENT_WHERE " ORDER BY e.id LIMIT $6 OFFSET $7");
	db_bind_text(st, 1, like);
	db_bind_int(st, 2, street);
	db_bind_int(st, 3, officer);
	db_bind_int(st, 4, keyv);
	db_bind_int(st, 5, only);
	db_bind_int(st, 6, limit);
	db_bind_int(st, 7, offset);
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, row_json(st, ENT_TYPES));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing enterprises");
		return;
	}
	reply_list(r, items, total, limit, offset);
}

void api_enterprise_get(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	if (id == 0 || !enterprise_visible(r, id)) {
		reply_error(r, 404, "not_found", "id", "no such enterprise");
		return;
	}
	db_stmt_t *st = db_prepare(r->db, ENT_SELECT " WHERE e.id = $1");
	db_bind_int(st, 1, id);
	json_t *o = db_step(st) == DB_ROW ? row_json(st, ENT_TYPES) : NULL;
	db_done(st);
	if (o == NULL) {
		reply_error(r, 404, "not_found", "id", "no such enterprise");
		return;
	}
	reply_json(r, 200, o);
}

void api_enterprises_create(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_enterprise_update(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_enterprise_officers(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_enterprise_kiosk_code(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_officers_list(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_officer_enterprises(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

int enterprise_validate(db_t *db, arena_t *a, struct enterprise_in *e, int allow_bad_checksum, struct field_error *fe)
{
	(void)db, (void)a, (void)e, (void)allow_bad_checksum, (void)fe;
	return -1;
}

int enterprise_upsert(db_t *db, const struct enterprise_in *e, int64_t actor_id, int64_t *id, int *created)
{
	(void)db, (void)e, (void)actor_id, (void)id, (void)created;
	return DB_ERR;
}

int enterprise_index_name(db_t *db, int64_t id, const char *name)
{
	(void)db, (void)id, (void)name;
	return DB_ERR;
}

int64_t enterprise_id_by_code(db_t *db, const char *code)
{
	(void)db, (void)code;
	return 0;
}

int kiosk_code_consume(db_t *db, int64_t enterprise_id, const char *code)
{
	(void)db, (void)enterprise_id, (void)code;
	return 0;
}
