/* import.c -- placeholder until implemented. */
#include "indicators.h"

void api_indicators_import(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

void api_targets_import(req_t *r)
{
	reply_error(r, 501, "not_implemented", NULL, "not implemented yet");
}

int cli_import_indicators(int argc, char **argv, db_t *db)
{
	(void)argc, (void)argv, (void)db;
	return 1;
}

int cli_import_targets(int argc, char **argv, db_t *db)
{
	(void)argc, (void)argv, (void)db;
	return 1;
}
