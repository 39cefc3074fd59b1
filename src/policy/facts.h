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

/* facts.c: an import's facts in bulk.  fact_bulk_begin() makes the
 * temporary staging table fact_stage (in the write transaction);
 * fact_bulk_add() keeps a row (the fact's name must live as long as b);
 * fact_bulk_flush() writes the rows kept into fact_stage with db_copy (COPY
 * on PostgreSQL), counts them against facts with one query -- unless no
 * row kept may be stored already (fact_bulk_add's maybe_stored) -- (added to
 * b->created, b->replaced, b->unchanged: a stored fact with the same value
 * is unchanged and not written), then with write merges them into facts
 * with one INSERT ... SELECT ... ON CONFLICT DO UPDATE (a changed value
 * and updated_at; the same SQL on both stores) and empties fact_stage.  A
 * (enterprise, year, fact) must not come twice before a flush.  DB_OK or a
 * DB_ code (roll the transaction back). */
#define FACT_BULK_FLUSH 20000
struct fact_bulk_row {
	int64_t enterprise_id, stored;
	const char *fact;
	int year;
};
struct fact_bulk {
	struct fact_bulk_row *rows;   /* FACT_BULK_FLUSH of them, allocated by the first add */
	size_t n;
	size_t maybe;                 /* of them, rows that may be stored already: none, no count */
	int64_t created, replaced, unchanged;
};
int fact_bulk_begin(db_t *db);
/* maybe_stored: 0 only when facts holds nothing of this enterprise (the
 * caller knows, e.g. from fact_ids_with_facts (policy.h) at the import's start) */
int fact_bulk_add(struct fact_bulk *b, int64_t enterprise_id, int year, const char *fact, int64_t stored,
                  int maybe_stored);   /* 0, -1 (memory) */
int fact_bulk_flush(db_t *db, struct fact_bulk *b, int write);
void fact_bulk_free(struct fact_bulk *b);

/* facts_api.c */
void api_fact_defs_list(req_t *r);         /* GET /api/v1/facts/defs */
void api_fact_defs_create(req_t *r);       /* POST /api/v1/facts/defs (admin) */
void api_enterprise_facts(req_t *r);       /* GET /api/v1/enterprises/{id}/facts */

#endif
