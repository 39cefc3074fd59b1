/* visits.c -- placeholder until implemented: handlers answer 501. */
#include "service.h"

#include <string.h>

void api_visits_list(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_visits_create(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_visit_get(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}
