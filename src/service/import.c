/* import.c -- placeholder until implemented: handlers answer 501. */
#include "service.h"

#include <string.h>

void api_enterprises_import(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_import_get(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

int cli_import(int argc, char **argv, db_t *db)
{
	(void)argc;
	(void)argv;
	(void)db;
	return -1;
}
