/*
 * land.c -- what the land module's files share: who may edit.
 */
#include "land/land.h"

#include <stdio.h>

int land_editor(db_t *db, const user_t *u)
{
	if (u == NULL)
		return 0;
	if (u->role_bit == ROLE_ADMIN)
		return 1;
	if (u->role_bit != ROLE_DEPARTMENT || u->department_id <= 0)
		return 0;
	const char *p[1];
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)u->department_id);
	p[0] = id;
	int64_t v = db_int1(db, "SELECT land_bureau FROM departments WHERE id = CAST($1 AS BIGINT)", -1, 1, p);
	if (v < 0)
		return -1;
	return v == 1;
}

int land_require_editor(req_t *r)
{
	int ok = land_editor(r->db, r->user);
	if (ok == 1)
		return 1;
	if (ok < 0)
		reply_db_error(r, DB_ERR, "departments");
	else
		reply_error(r, 403, "forbidden", NULL, "only admins and the land bureau edit land records");
	return 0;
}
