/* leads.c -- placeholder until implemented. */
#include "race.h"

void api_leads_list(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_leads_create(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_lead_get(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_lead_update(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}
