/*
 * facts.h -- the front doors of the yearly facts: the import (HTTP job and
 * CLI), the fact definitions and an enterprise's facts over HTTP.  The
 * storage itself (fact_defs_load, fact_set, ...) is in policy.h.
 *
 * Files: facts_import.c (the import), facts_api.c (the HTTP handlers).
 */
#ifndef ZONEOPS_FACTS_H
#define ZONEOPS_FACTS_H

#include "http/http.h"
#include "policy.h"

/* facts_import.c */
void api_facts_import(req_t *r);           /* raw CSV/XLSX: credit_code,year,fact,value; a job (202) */
int cli_import_facts(int argc, char **argv, db_t *db);

/* facts_api.c */
void api_fact_defs_list(req_t *r);         /* GET /api/v1/facts/defs */
void api_fact_defs_create(req_t *r);       /* POST /api/v1/facts/defs (admin) */
void api_enterprise_facts(req_t *r);       /* GET /api/v1/enterprises/{id}/facts */

#endif
