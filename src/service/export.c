/* export.c -- placeholder until implemented: handlers answer 501. */
#include "service.h"

#include <string.h>

void api_enterprises_export(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

int cli_export(int argc, char **argv, db_t *db)
{
	(void)argc;
	(void)argv;
	(void)db;
	return -1;
}
