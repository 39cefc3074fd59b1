/* stats.c -- placeholder until implemented: handlers answer 501. */
#include "service.h"

#include <string.h>

void api_service_stats(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}
