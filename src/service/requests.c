/* requests.c -- placeholder until implemented: handlers answer 501. */
#include "service.h"

#include <string.h>

int request_create(db_t *db, const user_t *actor, const struct request_in *in, int64_t *id, struct field_error *fe)
{
	(void)db;
	(void)actor;
	(void)in;
	(void)id;
	(void)fe;
	return -1;
}

int request_visible(req_t *r, int64_t id)
{
	(void)r;
	(void)id;
	return -1;
}

void api_request_categories(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_request_category_update(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_requests_list(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_requests_create(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_request_get(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_request_transition(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_inspections_list(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_inspections_create(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_inspection_get(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_inspection_transition(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}
