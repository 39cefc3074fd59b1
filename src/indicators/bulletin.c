/* bulletin.c -- placeholder until implemented. */
#include "indicators.h"

void api_indicator_bulletin(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

int cli_report_monthly(int argc, char **argv, db_t *db)
{
	(void)argc, (void)argv, (void)db;
	return 1;
}
