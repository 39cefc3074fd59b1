/* trips.c -- placeholder until implemented. */
#include "race.h"

void api_trips_list(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_trips_create(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_trip_update(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_trip_delete(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_quotas(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}
