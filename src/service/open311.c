/* open311.c -- placeholder until implemented: handlers answer 501. */
#include "service.h"

#include <string.h>

void open311_discovery(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void open311_services(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void open311_service(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void open311_requests_list(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void open311_requests_create(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void open311_request_get(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}
