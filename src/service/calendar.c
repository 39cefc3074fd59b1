/* calendar.c -- placeholder until implemented: handlers answer 501. */
#include "service.h"

#include <string.h>

int calendar_is_workday(db_t *db, const char *day)
{
	(void)db;
	(void)day;
	return -1;
}

int calendar_add_workdays(db_t *db, const char *from, int n, char out[11])
{
	(void)db;
	(void)from;
	(void)n;
	(void)out;
	return -1;
}

void api_calendar_get(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_calendar_put(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_calendar_due(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}
