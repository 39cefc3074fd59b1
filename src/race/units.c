/* units.c -- placeholder until implemented. */
#include "race.h"

void api_units_create(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_unit_update(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_unit_targets_get(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_unit_targets_put(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}
