/*
 * test_grams.c -- the name search index (store/grams.c, issue 15): the
 * posting codes worked out by hand, ids on both sides of a block boundary
 * (65,536 ids a block), counts, pages in both orders, intersections and
 * removal.  On SQLite, and on PostgreSQL with $ZONEOPS_TEST_DB; the ids are
 * far above any real enterprise's (block 2^24) and the names of characters
 * nobody else uses, so a shared database is left as it was found.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static testdb_t g_t;
static db_t *g_db;

#define B (INT64_C(1) << 40)   /* block 2^24 */

static int setup(void **state)
{
	(void)state;
	if (testdb_open(&g_t, "grams", 1, 1) < 0)
		return -1;
	g_db = g_t.db;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	testdb_close(&g_t);
	return 0;
}

static int64_t count_of(const char *s)
{
	return db_gram_count(g_db, text_gram_of(s));
}

/* The ids of gram s: offset, limit, order. */
static size_t ids_of(const char *s, int desc, int64_t offset, size_t limit, int64_t *out)
{
	struct gram_set set;
	assert_int_equal(db_gram_set_load(g_db, text_gram_of(s), &set), DB_OK);
	size_t n = gram_set_ids(&set, desc, offset, limit, out);
	gram_set_free(&set);
	return n;
}

/* Codes: CODE_HI[off >> 12], CODE_LO[(off >> 6) & 63], CODE_LO[off & 63],
 * CODE_LO = Q..Z a..z 0..9 ! # $ & ( ) * + , - . / : ; < = > ?. */
static void test_codes(void **state)
{
	(void)state;
	char c[4];
	gram_code(0, c);
	assert_string_equal(c, "AQQ");
	gram_code(1, c);
	assert_string_equal(c, "AQR");
	gram_code(65535, c);   /* 15, 63, 63 */
	assert_string_equal(c, "P??");
	gram_code(65536, c);   /* the next block's first */
	assert_string_equal(c, "AQQ");
	gram_code(70000, c);   /* offset 4464 = 1 << 12 | 5 << 6 | 48 */
	assert_string_equal(c, "BV$");
	gram_code(B + 4095, c);   /* 0, 63, 63 */
	assert_string_equal(c, "A??");
}

static void test_index(void **state)
{
	(void)state;
	const int64_t ids[] = { B + 1, B + 65535, B + 65536, B + 65537, B + 3 * 65536 + 7 };
	const char *names[] = { "齉龘", "齉龘", "齉龘", "龘靐", "齉龘" };
	assert_int_equal(db_begin(g_db), DB_OK);
	assert_int_equal(db_grams_write(g_db, 5, ids, names, 0), DB_OK);
	assert_int_equal(count_of("齉龘"), 4);
	assert_int_equal(count_of("龘"), 5);
	assert_int_equal(count_of("靐"), 1);
	assert_int_equal(count_of("龘靐"), 1);
	assert_int_equal(count_of("靐齉"), 0);

	int64_t got[8];
	assert_int_equal(ids_of("齉龘", 0, 0, 8, got), 4);
	assert_true(got[0] == B + 1 && got[1] == B + 65535 && got[2] == B + 65536 && got[3] == B + 3 * 65536 + 7);
	assert_int_equal(ids_of("龘", 1, 1, 2, got), 2);   /* newest first, the second and third */
	assert_true(got[0] == B + 65537 && got[1] == B + 65536);
	assert_int_equal(ids_of("龘", 0, 5, 8, got), 0);

	/* one row per gram and block: 龘 in blocks 2^24, +1 and +3 */
	const char *p[1] = { "0" };
	char g[32];
	snprintf(g, sizeof g, "%lld", (long long)text_gram_of("龘"));
	p[0] = g;
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM enterprise_postings WHERE gram = CAST($1 AS BIGINT)", -1, 1, p), 3);

	/* an intersection */
	struct gram_set a, b;
	assert_int_equal(db_gram_set_load(g_db, text_gram_of("龘"), &a), DB_OK);
	assert_int_equal(db_gram_set_load(g_db, text_gram_of("靐"), &b), DB_OK);
	gram_set_and(&a, &b);
	assert_int_equal(gram_set_count(&a), 1);
	assert_int_equal(gram_set_ids(&a, 0, 0, 8, got), 1);
	assert_true(got[0] == B + 65537);
	gram_set_free(&a);
	gram_set_free(&b);

	/* a rename: out of the old name's grams, into the new one's; the
	 * neighbours in the same lists stay */
	assert_int_equal(db_grams_remove(g_db, B + 65536, "齉龘"), DB_OK);
	const int64_t one[] = { B + 65536 };
	const char *renamed[] = { "靐" };
	assert_int_equal(db_grams_write(g_db, 1, one, renamed, 0), DB_OK);
	assert_int_equal(count_of("齉龘"), 3);
	assert_int_equal(count_of("龘"), 4);
	assert_int_equal(count_of("靐"), 2);
	assert_int_equal(ids_of("龘", 0, 0, 8, got), 4);
	assert_true(got[0] == B + 1 && got[1] == B + 65535 && got[2] == B + 65537 && got[3] == B + 3 * 65536 + 7);
	/* block 2^24 + 1 of 靐: offset 1 (B + 65537), then offset 0 appended */
	db_stmt_t *st = db_prepare(g_db, "SELECT n, ids FROM enterprise_postings WHERE gram = $1 AND block = $2");
	db_bind_int(st, 1, text_gram_of("靐"));
	db_bind_int(st, 2, (B >> 16) + 1);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int(st, 0), 2);
	assert_string_equal(db_col_text(st, 1), "AQRAQQ");
	db_done(st);
	/* one at a time (the API): side rows, merged into their blocks when
	 * read -- one beside a bulk row, one in a block of its own above, one
	 * below every bulk block */
	assert_int_equal(db_grams_rename(g_db, B + 2, NULL, "齉龘"), DB_OK);
	assert_int_equal(db_grams_rename(g_db, B + 5 * 65536 + 3, NULL, "齉"), DB_OK);
	assert_int_equal(db_grams_rename(g_db, B - 65536 + 9, NULL, "齉"), DB_OK);
	assert_int_equal(count_of("齉"), 6);
	assert_int_equal(ids_of("齉", 0, 0, 8, got), 6);
	assert_true(got[0] == B - 65536 + 9 && got[1] == B + 1 && got[2] == B + 2 && got[3] == B + 65535 &&
	            got[4] == B + 3 * 65536 + 7 && got[5] == B + 5 * 65536 + 3);
	assert_int_equal(ids_of("齉", 1, 0, 2, got), 2);
	assert_true(got[0] == B + 5 * 65536 + 3 && got[1] == B + 3 * 65536 + 7);
	p[0] = g;
	snprintf(g, sizeof g, "%lld", (long long)text_gram_of("齉"));
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM enterprise_postings WHERE gram = CAST($1 AS BIGINT)"
	                         " AND block >= 140737488355328", -1, 1, p), 3);   /* 2^47: the side rows */
	/* a bulk enterprise renamed by the API: out of its bulk rows, into side
	 * rows; a side one renamed: out of its side rows */
	assert_int_equal(db_grams_rename(g_db, B + 1, "齉龘", "龘"), DB_OK);
	assert_int_equal(db_grams_rename(g_db, B + 2, "齉龘", "靐齉"), DB_OK);
	assert_int_equal(count_of("齉龘"), 2);
	assert_int_equal(ids_of("齉龘", 0, 0, 8, got), 2);
	assert_true(got[0] == B + 65535 && got[1] == B + 3 * 65536 + 7);
	assert_int_equal(ids_of("龘", 0, 0, 3, got), 3);
	assert_true(got[0] == B + 1 && got[1] == B + 65535 && got[2] == B + 65537);
	assert_int_equal(count_of("靐齉"), 1);
	/* removing an id not in a list changes nothing */
	assert_int_equal(db_grams_remove(g_db, B + 9, "靐"), DB_OK);
	assert_int_equal(count_of("靐"), 3);
	assert_int_equal(db_rollback(g_db), DB_OK);
	assert_int_equal(count_of("龘"), 0);
}

/* n and ids of gram s's row of block */
static void expect_row(const char *s, int64_t block, int64_t n, const char *ids)
{
	db_stmt_t *st = db_prepare(g_db, "SELECT n, ids FROM enterprise_postings WHERE gram = $1 AND block = $2");
	db_bind_int(st, 1, text_gram_of(s));
	db_bind_int(st, 2, block);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int(st, 0), n);
	assert_string_equal(db_col_text(st, 1), ids);
	db_done(st);
}

/* Hand n names to *gb as an import's flush does: both arrays malloc'd. */
static void bulk_add(struct gram_bulk **gb, size_t n, const int64_t *ids, const char *const *low)
{
	int64_t *id = malloc(n * sizeof *id);
	char **l = malloc(n * sizeof *l);
	assert_non_null(id);
	assert_non_null(l);
	for (size_t i = 0; i < n; i++) {
		id[i] = ids[i];
		l[i] = low[i] ? strdup(low[i]) : NULL;
	}
	assert_int_equal(db_grams_bulk_add(g_db, gb, n, id, l), DB_OK);
	assert_non_null(*gb);
}

/* An import's batches (struct ent_bulk.later): each batch's pairs made by
 * a thread while the batch before's are written, the pairs of the last
 * block of ids held back until a batch passes it or the end; a dropped
 * bulk write leaves nothing. */
static void test_bulk(void **state)
{
	(void)state;
	assert_int_equal(db_begin(g_db), DB_OK);
	const int64_t ids1[] = { B + 1, B + 65537, B + 7 };
	const char *low1[] = { "齉龘", "龘靐", NULL };
	const int64_t ids2[] = { B + 2, B + 65536 };
	const char *low2[] = { "齉", "龘" };
	const int64_t ids3[] = { B + 2 * 65536 + 5 };
	const char *low3[] = { "龘" };
	struct gram_bulk *gb = NULL;
	bulk_add(&gb, 3, ids1, low1);
	bulk_add(&gb, 2, ids2, low2);
	/* batch 1 is written up to its last id's block, 2^24 + 1: block 2^24 */
	assert_int_equal(count_of("齉龘"), 1);
	assert_int_equal(count_of("龘"), 1);
	assert_int_equal(count_of("靐"), 0);
	bulk_add(&gb, 1, ids3, low3);
	/* batch 2's last id is in block 2^24 + 1 too: only its block 2^24 */
	assert_int_equal(count_of("齉"), 2);
	assert_int_equal(count_of("龘"), 1);
	assert_int_equal(count_of("靐"), 0);
	assert_int_equal(db_grams_bulk_end(g_db, &gb, 1), DB_OK);
	assert_null(gb);
	assert_int_equal(db_grams_bulk_end(g_db, &gb, 1), DB_OK);
	assert_int_equal(count_of("龘"), 4);
	assert_int_equal(count_of("齉"), 2);
	assert_int_equal(count_of("齉龘"), 1);
	assert_int_equal(count_of("龘靐"), 1);
	/* offsets 1 then 2 (AQR, AQS) in block 2^24, two writes appended; in
	 * the next, held back and merged: 0 then 1; in the last, 5 (AQV) */
	expect_row("齉", B >> 16, 2, "AQRAQS");
	expect_row("龘", B >> 16, 1, "AQR");
	expect_row("龘", (B >> 16) + 1, 2, "AQQAQR");
	expect_row("龘", (B >> 16) + 2, 1, "AQV");
	/* dropped: nothing of it is written, whether made or held */
	const int64_t ids4[] = { B + 3 * 65536 + 1 }, ids5[] = { B + 3 * 65536 + 2 };
	const char *low4[] = { "靐" };
	bulk_add(&gb, 1, ids4, low4);
	bulk_add(&gb, 1, ids5, low4);
	assert_int_equal(db_grams_bulk_end(g_db, &gb, 0), DB_OK);
	assert_null(gb);
	assert_int_equal(count_of("靐"), 1);
	assert_int_equal(db_rollback(g_db), DB_OK);
	assert_int_equal(count_of("龘"), 0);
}

/* An import's renames, taken out together: from bulk rows and side rows,
 * several from one row, in two blocks; an id that is not there changes
 * nothing.  The lists worked out by hand (codes: offset 1 AQR, 2 AQS,
 * 3 AQT, 4 AQU, 5 AQV). */
static void test_remove_bulk(void **state)
{
	(void)state;
	const int64_t ids[] = { B + 1, B + 2, B + 3, B + 65536 + 5 };
	const char *names[] = { "齉龘", "齉龘", "龘", "齉龘" };
	assert_int_equal(db_begin(g_db), DB_OK);
	assert_int_equal(db_grams_write(g_db, 4, ids, names, 0), DB_OK);
	assert_int_equal(db_grams_rename(g_db, B + 4, NULL, "齉龘"), DB_OK);   /* a side row */
	expect_row("龘", B >> 16, 3, "AQRAQSAQT");
	expect_row("齉龘", (B >> 16) + (INT64_C(1) << 47), 1, "AQU");
	assert_int_equal(count_of("齉龘"), 4);

	const int64_t gone[] = { B + 1, B + 4, B + 65536 + 5, B + 9 };
	const char *old[] = { "齉龘", "齉龘", "齉龘", "靐" };
	assert_int_equal(db_grams_remove_bulk(g_db, 4, gone, old), DB_OK);
	expect_row("龘", B >> 16, 2, "AQSAQT");
	expect_row("齉", B >> 16, 1, "AQS");
	expect_row("齉龘", B >> 16, 1, "AQS");
	expect_row("齉龘", (B >> 16) + (INT64_C(1) << 47), 0, "");
	expect_row("齉龘", (B >> 16) + 1, 0, "");
	int64_t got[8];
	assert_int_equal(ids_of("龘", 0, 0, 8, got), 2);
	assert_true(got[0] == B + 2 && got[1] == B + 3);
	assert_int_equal(count_of("齉"), 1);
	assert_int_equal(count_of("靐"), 0);
	/* nothing to remove: nothing written */
	assert_int_equal(db_grams_remove_bulk(g_db, 1, gone, old), DB_OK);
	expect_row("龘", B >> 16, 2, "AQSAQT");
	assert_int_equal(db_rollback(g_db), DB_OK);
	assert_int_equal(count_of("龘"), 0);
}

/* Migration 17 builds the index from the names of a database that had
 * the old grams table (a new SQLite file, whatever $ZONEOPS_TEST_DB). */
static void test_upgrade(void **state)
{
	(void)state;
	testdb_t t;
	assert_int_equal(testdb_open(&t, "grams-upgrade", 0, 1), 0);
	db_t *db = t.db;
	assert_int_equal(db_exec(db, "INSERT INTO enterprises (credit_code, name, created_at, updated_at) VALUES"
	                             " ('91320691MA1X00001A', 'ABC科技', 0, 0), ('91320691MA1X00002B', 'abc公司', 0, 0),"
	                             " ('91320691MA1X00003C', '南通Ab', 0, 0)"), DB_OK);
	/* back to schema 16: the old table, no postings */
	assert_int_equal(db_exec(db, "DROP TABLE enterprise_postings; DELETE FROM schema_migrations WHERE version = 17;"
	                             " CREATE TABLE enterprise_grams (gram BIGINT NOT NULL, enterprise_id BIGINT NOT NULL,"
	                             " PRIMARY KEY (gram, enterprise_id)) WITHOUT ROWID"), DB_OK);
	char *err = NULL;
	assert_int_equal(db_migrate(db, &err), 1);
	assert_int_equal(db_int1(db, "SELECT count(*) FROM schema_migrations WHERE version = 17", -1, 0, NULL), 1);
	db_t *keep = g_db;
	g_db = db;
	assert_int_equal(count_of("ab"), 3);   /* lower(): ABC, abc, Ab */
	assert_int_equal(count_of("bc"), 2);
	assert_int_equal(count_of("科技"), 1);
	assert_int_equal(count_of("南"), 1);
	assert_int_equal(count_of("A"), 0);     /* the grams are of the lowered names */
	g_db = keep;
	assert_int_equal(db_int1(db, "SELECT count(*) FROM sqlite_master WHERE name = 'enterprise_grams'", -1, 0, NULL), 0);
	testdb_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_remove_bulk),
		cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_upgrade),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
