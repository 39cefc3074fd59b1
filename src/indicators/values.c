/*
 * values.c -- the one writer of indicator_values and indicator_targets,
 * shared by the importer (import.c) and the demo.  Each function checks
 * what it writes (a known indicator code, a year in range, a month 1..12,
 * a value >= 0; the region is the foreign key's) and runs inside the
 * caller's transaction.
 */
#include "indicators.h"

#include <stdio.h>

/* The indicator, year, month (0: none, a target's) and value of a row.
 * 0, or -1 with err. */
static int check(const char *indicator, int year, int month, int64_t value, err_t *err)
{
	if (indicator == NULL || ind_find(indicator) < 0)
		return err_set(err, 422, "invalid", "indicator", "unknown indicator");
	if (year < DATE_YEAR_MIN || year > DATE_YEAR_MAX)
		return err_set(err, 422, "invalid", "year", "the year is not between %d and %d", DATE_YEAR_MIN,
		               DATE_YEAR_MAX);
	if (month < 0 || month > 12)
		return err_set(err, 422, "invalid", "month", "the month is not between 1 and 12");
	if (value < 0)
		return err_set(err, 422, "negative", "value", "the value is negative");
	return 0;
}

int ind_values_clear(db_t *db, int year, int month, int64_t *removed, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "DELETE FROM indicator_values WHERE year = $1 AND month = $2");
	db_bind_int(st, 1, year);
	db_bind_int(st, 2, month);
	int rc = db_step(st);
	if (rc == DB_DONE && removed)
		*removed += db_changes(st);
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "replacing the periods");
}

int ind_value_insert(db_t *db, int64_t region_id, const char *indicator, int year, int month, int64_t value,
                     err_t *err)
{
	if (check(indicator, year, month < 1 ? -1 : month, value, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db, "INSERT INTO indicator_values (region_id, indicator, year, value, month)"
	                               " VALUES ($1, $2, $3, $4, $5)");
	db_bind_int(st, 1, region_id);
	db_bind_text(st, 2, indicator);
	db_bind_int(st, 3, year);
	db_bind_int(st, 4, value);
	db_bind_int(st, 5, month);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "writing a value");
}

int ind_target_set(db_t *db, int64_t region_id, const char *indicator, int year, int64_t value, int *created,
                   err_t *err)
{
	if (check(indicator, year, 0, value, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db, "SELECT count(*) FROM indicator_targets WHERE region_id = $1 AND indicator = $2"
	                               " AND year = $3");
	db_bind_int(st, 1, region_id);
	db_bind_text(st, 2, indicator);
	db_bind_int(st, 3, year);
	int rc = db_step(st);
	int exists = rc == DB_ROW && db_col_int(st, 0) > 0;
	db_done(st);
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "reading a target");
	st = db_prepare(db, "INSERT INTO indicator_targets (region_id, indicator, year, value) VALUES ($1, $2, $3, $4)"
	                    " ON CONFLICT (region_id, indicator, year) DO UPDATE SET value = excluded.value");
	db_bind_int(st, 1, region_id);
	db_bind_text(st, 2, indicator);
	db_bind_int(st, 3, year);
	db_bind_int(st, 4, value);
	rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return db_fail(err, db, rc, "writing a value");
	if (created)
		*created = !exists;
	return 0;
}

/* ---- bulk (the importer) ---- */

/* The staging table of a targets import: the session's own, emptied after
 * each merge. */
static int targets_stage(db_t *db)
{
	return db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS import_targets (region_id BIGINT NOT NULL,"
	                   " indicator TEXT NOT NULL, year INTEGER NOT NULL, value BIGINT NOT NULL)");
}

int ind_bulk_add(db_t *db, struct ind_bulk *b, int64_t region_id, const char *indicator, int year, int month,
                 int64_t value, err_t *err)
{
	if (check(indicator, year, b->targets ? 0 : month < 1 ? -1 : month, value, err) < 0)
		return -1;
	if (b->c == NULL) {
		int rc = b->targets ? targets_stage(db) : DB_OK;
		if (rc != DB_OK)
			return db_fail(err, db, rc, "staging the targets");
		b->c = b->targets ? db_copy_begin(db, "import_targets", "region_id, indicator, year, value", 4)
		                  : db_copy_begin(db, "indicator_values", "region_id, indicator, year, month, value", 5);
	}
	db_copy_int(b->c, region_id);
	db_copy_text(b->c, indicator);
	db_copy_int(b->c, year);
	if (!b->targets)
		db_copy_int(b->c, month);
	db_copy_int(b->c, value);
	db_copy_row(b->c);
	b->staged++;
	return 0;
}

int ind_bulk_flush(db_t *db, struct ind_bulk *b, int64_t *created, int64_t *updated, err_t *err)
{
	if (b->c == NULL)
		return 0;
	int rc = db_copy_end(b->c);
	b->c = NULL;
	int64_t staged = b->staged;
	b->staged = 0;
	if (rc != DB_OK)
		return db_fail(err, db, rc, b->targets ? "staging the targets" : "writing the values");
	if (!b->targets)
		return 0;
	/* statistics, and a fresh plan for the cached statements below (lead_bulk.c) */
	if ((rc = db_exec(db, "ANALYZE import_targets")) != DB_OK)
		return db_fail(err, db, rc, "staging the targets");
	int64_t fresh = db_int1(db, "SELECT count(*) FROM import_targets s WHERE NOT EXISTS (SELECT 1 FROM"
	                            " indicator_targets t WHERE t.region_id = s.region_id AND t.indicator = s.indicator"
	                            " AND t.year = s.year)", -1, 0, NULL);
	if (fresh < 0)
		return db_fail(err, db, DB_ERR, "counting the new targets");
	/* WHERE true: SQLite's parser needs it before ON CONFLICT */
	db_stmt_t *st = db_prepare(db, "INSERT INTO indicator_targets (region_id, indicator, year, value)"
	                               " SELECT region_id, indicator, year, value FROM import_targets WHERE true"
	                               " ON CONFLICT (region_id, indicator, year) DO UPDATE SET value = excluded.value"
	                               " WHERE indicator_targets.value <> excluded.value");
	rc = db_step(st);
	db_done(st);
	if (rc == DB_DONE)
		rc = db_stage_clear(db, "import_targets");
	if (rc != DB_DONE && rc != DB_OK)
		return db_fail(err, db, rc, "writing the targets");
	*created += fresh;
	*updated += staged - fresh;
	return 0;
}
