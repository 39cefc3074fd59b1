/* import.c -- placeholder until implemented. */
#include "race.h"

void api_race_import(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

int cli_import_race(int argc, char **argv, db_t *db)
{
	(void)argc, (void)argv, (void)db;
	return 1;
}
