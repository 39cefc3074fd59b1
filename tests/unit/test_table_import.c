/*
 * test_table_import.c -- the import framework (src/table/import.c) with a
 * toy importer of "items" (key, value) on a temporary SQLite database (or
 * $ZONEOPS_TEST_DB): the two passes, modes all and good, dry runs with and
 * without trial writes, the errors list (kept and counted), a row refused
 * while writing, file errors, progress, and an import inside the caller's
 * transaction (a savepoint); one pass (check and write in one reading);
 * the set of keys a file's dedup keeps
 * (import_keys): right, and compact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "store/store.h"
#include "table/table.h"

static db_t *db;
static char dbfile[128];

/* ---- the toy importer ---- */

enum { C_KEY, C_VALUE, NC };
static const struct table_col cols[NC] = {
	{ "key", "键", TABLE_COL_REQUIRED, 0 },
	{ "value", "值", 0, 0 },
};

struct toy {
	struct import_keys seen;
	int writes, write_begins;
};

static int toy_begin(struct import *im, err_t *err)
{
	(void)err;
	im->ctx = calloc(1, sizeof(struct toy));
	return 0;
}

static void toy_end(struct import *im)
{
	struct toy *t = im->ctx;
	if (t == NULL)
		return;   /* the file could not be opened: begin never ran */
	import_keys_free(&t->seen);
	free(t);
	im->ctx = NULL;
}

/* value: a whole number 0..999 */
static int toy_value(struct import *im, const struct import_row *row, int64_t *v)
{
	char *s = table_cell_clean(row->a, row->v[C_VALUE]);
	char *end;
	*v = strtoll(s, &end, 10);
	if (*s == '\0' || *end || *v < 0 || *v > 999)
		return import_bad(im, row, "value", "invalid_number", s, "\"%s\" is not 0..999", s);
	return 0;
}

static int toy_check(struct import *im, const struct import_row *row)
{
	struct toy *t = im->ctx;
	int64_t v;
	int bad = toy_value(im, row, &v) < 0;
	const char *key = table_cell_clean(row->a, row->v[C_KEY]);
	if (import_keys_get(&t->seen, key))
		return import_bad(im, row, "key", "duplicate_in_file", key, "\"%s\" twice", key);
	import_keys_put(&t->seen, key, row->line);
	return bad ? -1 : 0;
}

static int toy_write_begin(struct import *im, err_t *err)
{
	(void)err;
	((struct toy *)im->ctx)->write_begins++;
	return 0;
}

static int toy_write(struct import *im, const struct import_row *row, err_t *err)
{
	struct toy *t = im->ctx;
	int64_t v;
	if (toy_value(im, row, &v) < 0)
		return -1;
	const char *key = table_cell_clean(row->a, row->v[C_KEY]);
	if (strcmp(key, "refused-when-writing") == 0)
		return err_set(err, 422, "refused", "key", "refused while writing");
	db_stmt_t *st = db_prepare(im->db, "INSERT INTO toy_items (k, v) VALUES ($1, $2)");
	db_bind_text(st, 1, key);
	db_bind_int(st, 2, v);
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return db_fail(err, im->db, rc, "writing an item");
	t->writes++;
	im->created++;
	return 0;
}

static json_t *toy_summary(struct import *im)
{
	struct toy *t = im->ctx;
	return json_pack("{s:I s:i s:i}", "created", (json_int_t)im->created, "writes", t ? t->writes : 0,
	                 "write_begins", t ? t->write_begins : 0);
}

static struct import_spec spec = {
	.what = "items", .audit_action = "import items", .audit_entity = "toy_items", .cols = cols, .ncols = NC,
	.max_rows = 5000, .mode_good_ok = 1, .begin = toy_begin, .check = toy_check, .write_begin = toy_write_begin,
	.write = toy_write, .summary = toy_summary, .end = toy_end,
};

/* ---- helpers ---- */

static int64_t count(const char *sql)
{
	return db_int1(db, sql, -1, 0, NULL);
}

static void reset(void)
{
	assert_int_equal(db_exec(db, "DELETE FROM toy_items"), DB_OK);
}

struct seen {
	char phases[256];            /* each phase once, in order: "reading;validating;" */
	const char *last;
	int64_t last_total;
};

static void on_progress(struct import *im, const char *phase, int64_t done, int64_t total)
{
	struct seen *s = im->o->ud;
	(void)done;
	if (s->last == NULL || strcmp(s->last, phase) != 0) {
		size_t n = strlen(s->phases);
		snprintf(s->phases + n, sizeof s->phases - n, "%s;", phase);
		s->last = phase;
	}
	if (strcmp(phase, "validating") == 0)
		s->last_total = total;
}

static int run(const char *csv, struct import_opts *o, struct import *im)
{
	struct table_src src = { .fd = -1, .data = csv, .len = strlen(csv) };
	return import_run(db, &spec, &src, o, im);
}

/* ---- tests ---- */

static void test_mode_all(void **state)
{
	(void)state;
	reset();
	struct import im;
	struct import_opts o = { .filename = "items.csv" };
	/* good: every row written in one transaction, with the audit row */
	int64_t audits = count("SELECT count(*) FROM audit_log WHERE action = 'cli import items'");
	assert_int_equal(run("key,value\na,1\n\nb,2\n", &o, &im), IMPORT_OK);
	assert_int_equal(im.rows, 2);
	assert_int_equal(im.written, 2);
	assert_true(im.wrote);
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 2);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'cli import items'"), audits + 1);
	assert_int_equal(json_integer_value(json_object_get(im.summary, "write_begins")), 1);
	import_free(&im);
	/* a bad row: nothing written, each problem by line */
	reset();
	assert_int_equal(run("键,值\nc,3\nd,x\n\"e\nf\",4\nc,5\ng,1000\n", &o, &im), IMPORT_BAD_ROWS);
	assert_int_equal(im.rows, 5);
	assert_int_equal(im.bad_rows, 3);
	assert_int_equal(im.good_rows, 2);
	assert_int_equal(im.written, 0);
	assert_int_equal(im.errors.total, 3);
	assert_int_equal(im.errors.items[0].line, 3);
	assert_string_equal(im.errors.items[0].code, "invalid_number");
	assert_string_equal(err_get_param(&im.errors.items[0], "value"), "x");
	assert_int_equal(im.errors.items[1].line, 6);   /* "e\nf" took lines 4 and 5 */
	assert_string_equal(im.errors.items[1].code, "duplicate_in_file");
	assert_int_equal(im.errors.items[2].line, 7);
	assert_int_equal(json_integer_value(json_object_get(im.summary, "writes")), 0);
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 0);
	import_free(&im);
}

static void test_mode_good(void **state)
{
	(void)state;
	reset();
	struct import im;
	struct import_opts o = { .mode_good = 1 };
	assert_int_equal(run("key,value\na,1\nb,x\nc,3\n", &o, &im), IMPORT_BAD_ROWS);
	assert_int_equal(im.written, 2);
	assert_true(im.wrote);
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 2);
	assert_int_equal(count("SELECT count(*) FROM toy_items WHERE k = 'b'"), 0);
	import_free(&im);
	/* more than one batch, every row good */
	reset();
	buf_t b;
	buf_init(&b);
	buf_puts(&b, "key,value\n");
	for (int i = 0; i < 2500; i++)
		buf_printf(&b, "k%d,%d\n", i, i % 1000);
	struct seen s = { "", NULL, 0 };
	o.progress = on_progress;
	o.ud = &s;
	assert_int_equal(run(b.data, &o, &im), IMPORT_OK);
	assert_int_equal(im.written, 2500);
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 2500);
	assert_string_equal(s.phases, "reading;validating;writing;");
	assert_int_equal(s.last_total, 2500);
	import_free(&im);
	buf_free(&b);
}

static void test_dry_run(void **state)
{
	(void)state;
	reset();
	struct import im;
	struct import_opts o = { .dry_run = 1 };
	/* without trial writes: checked only */
	assert_int_equal(run("key,value\na,1\nb,2\n", &o, &im), IMPORT_OK);
	assert_int_equal(json_integer_value(json_object_get(im.summary, "writes")), 0);
	assert_false(im.wrote);
	import_free(&im);
	/* with: written and rolled back, the counts kept */
	spec.trial_write = 1;
	assert_int_equal(run("key,value\na,1\nb,2\n", &o, &im), IMPORT_OK);
	assert_int_equal(json_integer_value(json_object_get(im.summary, "writes")), 2);
	assert_int_equal(im.created, 2);
	assert_false(im.wrote);
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 0);
	import_free(&im);
	spec.trial_write = 0;
}

static void test_errors_kept_and_counted(void **state)
{
	(void)state;
	buf_t b;
	buf_init(&b);
	buf_puts(&b, "key,value\n");
	for (int i = 0; i < 1500; i++)
		buf_printf(&b, "k%d,bad\n", i);
	struct import im;
	struct import_opts o = { 0 };
	assert_int_equal(run(b.data, &o, &im), IMPORT_BAD_ROWS);
	assert_int_equal(im.errors.n, ERR_LIST_KEEP);
	assert_int_equal(im.errors.total, 1500);
	assert_int_equal(im.errors.items[999].line, 1001);
	import_free(&im);
	buf_free(&b);
	/* more rows than the spec allows: a file error */
	buf_init(&b);
	buf_puts(&b, "key,value\n");
	for (int i = 0; i < 5001; i++)
		buf_printf(&b, "k%d,1\n", i);
	assert_int_equal(run(b.data, &o, &im), IMPORT_BAD_FILE);
	assert_string_equal(im.fatal.code, "too_many_rows");
	assert_int_equal(im.fatal.line, 5002);
	import_free(&im);
	buf_free(&b);
}

static void test_refused_while_writing(void **state)
{
	(void)state;
	reset();
	struct import im;
	struct import_opts o = { 0 };
	assert_int_equal(run("key,value\na,1\nrefused-when-writing,2\nc,3\n", &o, &im), IMPORT_BAD_ROWS);
	assert_int_equal(im.errors.total, 1);
	assert_int_equal(im.errors.items[0].line, 3);
	assert_string_equal(im.errors.items[0].code, "refused");
	assert_int_equal(im.written, 0);
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 0);
	import_free(&im);
	o.mode_good = 1;
	assert_int_equal(run("key,value\na,1\nrefused-when-writing,2\nc,3\n", &o, &im), IMPORT_BAD_ROWS);
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 2);
	import_free(&im);
}

static void test_file_errors(void **state)
{
	(void)state;
	struct import im;
	struct import_opts o = { 0 };
	static const struct {
		const char *csv, *code;
		int64_t line;
		const char *format;
	} cases[] = {
		{ "", "empty_file", 0, NULL },
		{ "\n\n", "empty_file", 0, NULL },
		{ "key,value\n", "empty_file", 0, NULL },
		{ "key,colour\na,1\n", "unknown_header", 1, NULL },
		{ "value\n1\n", "missing_header", 1, NULL },
		{ "key,键\n", "duplicate_header", 1, NULL },
		{ "key,value\na,1\nb\"c,2\n", "csv_syntax", 3, NULL },
		{ "PK\x03\x04 not a zip", "bad_format", 0, "csv" },
		{ "PK\x03\x04 not a zip", "not_xlsx", 0, NULL },
		{ "key,value\n", "not_xlsx", 0, "xlsx" },
		{ "key,value\na,1\n\x81\x20,2\n", "bad_encoding", 3, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		o.format = cases[i].format;
		assert_int_equal(run(cases[i].csv, &o, &im), IMPORT_BAD_FILE);
		assert_string_equal(im.fatal.code, cases[i].code);
		assert_int_equal(im.fatal.line, cases[i].line);
		assert_int_equal(im.errors.total, 0);   /* the file's one error says it */
		import_free(&im);
	}
}

static void test_inside_callers_transaction(void **state)
{
	(void)state;
	reset();
	struct import im;
	struct import_opts o = { 0 };
	int64_t audits = count("SELECT count(*) FROM audit_log");
	assert_int_equal(db_begin(db), DB_OK);
	assert_int_equal(run("key,value\na,1\nb,2\n", &o, &im), IMPORT_OK);
	assert_true(db_in_tx(db));
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 2);
	import_free(&im);
	/* a bad row rolls back only the import's savepoint */
	assert_int_equal(db_exec(db, "INSERT INTO toy_items (k, v) VALUES ('mine', 0)"), DB_OK);
	assert_int_equal(run("key,value\nc,1\nrefused-when-writing,2\n", &o, &im), IMPORT_BAD_ROWS);
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 3);
	import_free(&im);
	assert_int_equal(db_rollback(db), DB_OK);
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 0);
	/* the caller writes the audit row, not the import */
	assert_int_equal(count("SELECT count(*) FROM audit_log"), audits);
}

/* spec.one_pass: mode all checks and writes each row in one reading of the
 * file, in one transaction; a bad row stops the writing, the checking goes
 * on, and nothing stays.  The toy's write counter shows what was written
 * and rolled back. */
static void test_one_pass(void **state)
{
	(void)state;
	reset();
	spec.one_pass = 1;
	struct import im;
	struct seen s = { "", NULL, 0 };
	struct import_opts o = { .progress = on_progress, .ud = &s };
	int64_t audits = count("SELECT count(*) FROM audit_log WHERE action = 'cli import items'");
	buf_t b;
	buf_init(&b);
	buf_puts(&b, "key,value\n");
	for (int i = 0; i < 2500; i++)
		buf_printf(&b, "k%d,%d\n", i, i % 1000);
	/* every row good: all written, with the audit row, the phases without a validating pass */
	assert_int_equal(run(b.data, &o, &im), IMPORT_OK);
	assert_int_equal(im.rows, 2500);
	assert_int_equal(im.written, 2500);
	assert_true(im.wrote);
	assert_false(db_in_tx(db));
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 2500);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'cli import items'"), audits + 1);
	assert_int_equal(json_integer_value(json_object_get(im.summary, "writes")), 2500);
	assert_int_equal(json_integer_value(json_object_get(im.summary, "write_begins")), 1);
	assert_string_equal(s.phases, "reading;writing;");
	import_free(&im);
	/* a bad value on line 2002 (row 2001) and a key repeated on line 2402:
	 * the 2,000 rows before the first written and rolled back, none after
	 * it, both errors reported, nothing stays */
	reset();
	buf_free(&b);
	buf_init(&b);
	buf_puts(&b, "key,value\n");
	for (int i = 0; i < 2500; i++)
		buf_printf(&b, "k%d,%s\n", i == 2400 ? 7 : i, i == 2000 ? "x" : "1");
	memset(&s, 0, sizeof s);
	assert_int_equal(run(b.data, &o, &im), IMPORT_BAD_ROWS);
	assert_int_equal(im.rows, 2500);
	assert_int_equal(im.bad_rows, 2);
	assert_int_equal(im.written, 0);
	assert_false(im.wrote);
	assert_false(db_in_tx(db));
	assert_int_equal(im.errors.total, 2);
	assert_int_equal(im.errors.items[0].line, 2002);
	assert_string_equal(im.errors.items[0].code, "invalid_number");
	assert_int_equal(im.errors.items[1].line, 2402);
	assert_string_equal(im.errors.items[1].code, "duplicate_in_file");
	assert_int_equal(json_integer_value(json_object_get(im.summary, "writes")), 2000);
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 0);
	assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'cli import items'"), audits + 1);
	assert_string_equal(s.phases, "reading;writing;validating;");
	import_free(&im);
	/* a row refused while writing: the rest not read, nothing stays */
	assert_int_equal(run("key,value\na,1\nrefused-when-writing,2\nc,x\n", &o, &im), IMPORT_BAD_ROWS);
	assert_int_equal(im.errors.total, 1);
	assert_int_equal(im.errors.items[0].line, 3);
	assert_string_equal(im.errors.items[0].code, "refused");
	assert_int_equal(im.written, 0);
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 0);
	assert_false(db_in_tx(db));
	import_free(&im);
	/* file errors: the transaction opened for the pass is closed */
	assert_int_equal(run("key,value\n", &o, &im), IMPORT_BAD_FILE);
	assert_string_equal(im.fatal.code, "empty_file");
	assert_false(db_in_tx(db));
	import_free(&im);
	assert_int_equal(run("key,value\na,1\nb\"c,2\n", &o, &im), IMPORT_BAD_FILE);
	assert_string_equal(im.fatal.code, "csv_syntax");
	assert_false(db_in_tx(db));
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 0);
	import_free(&im);
	/* inside the caller's transaction: a savepoint, as with two passes */
	assert_int_equal(db_begin(db), DB_OK);
	assert_int_equal(run("key,value\na,1\nb,2\n", &o, &im), IMPORT_OK);
	assert_true(db_in_tx(db));
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 2);
	import_free(&im);
	assert_int_equal(run("key,value\nc,1\nd,x\n", &o, &im), IMPORT_BAD_ROWS);
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 2);
	import_free(&im);
	assert_int_equal(db_rollback(db), DB_OK);
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 0);
	/* mode good and dry runs keep their two passes */
	memset(&s, 0, sizeof s);
	o.mode_good = 1;
	assert_int_equal(run("key,value\na,1\nb,x\n", &o, &im), IMPORT_BAD_ROWS);
	assert_int_equal(count("SELECT count(*) FROM toy_items"), 1);
	assert_string_equal(s.phases, "reading;validating;writing;");
	import_free(&im);
	reset();
	o.mode_good = 0;
	o.dry_run = 1;
	assert_int_equal(run("key,value\na,1\n", &o, &im), IMPORT_OK);
	assert_int_equal(json_integer_value(json_object_get(im.summary, "writes")), 0);
	import_free(&im);
	buf_free(&b);
	spec.one_pass = 0;
}

static int setup(void **state)
{
	(void)state;
	const char *env = getenv("ZONEOPS_TEST_DB");
	char url[160];
	if (env && *env)
		snprintf(url, sizeof url, "%s", env);
	else {
		snprintf(dbfile, sizeof dbfile, "%s/zo-table-import-%ld.db", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		         (long)getpid());
		unlink(dbfile);
		snprintf(url, sizeof url, "sqlite:%s", dbfile);
	}
	char *err = NULL;
	db = db_open(url, &err);
	if (db == NULL)
		fail_msg("db_open: %s", err ? err : "?");
	if (db_migrate(db, &err) < 0)
		fail_msg("db_migrate: %s", err ? err : "?");
	db_exec(db, "DROP TABLE IF EXISTS toy_items");
	return db_exec(db, "CREATE TABLE toy_items (k TEXT PRIMARY KEY, v BIGINT NOT NULL)") == DB_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	db_exec(db, "DROP TABLE IF EXISTS toy_items");
	db_close(db);
	if (dbfile[0]) {
		char wal[160];
		unlink(dbfile);
		snprintf(wal, sizeof wal, "%s-wal", dbfile);
		unlink(wal);
		snprintf(wal, sizeof wal, "%s-shm", dbfile);
		unlink(wal);
	}
	return 0;
}

/* ---- the set of keys ---- */

/* A credit-code-like key (18 characters) of number i. */
static void code_of(int i, char out[19])
{
	snprintf(out, 19, "91320600%010d", i);
}

static size_t heap_used(void)
{
	struct mallinfo2 m = mallinfo2();
	return m.uordblks + m.hblkhd;
}

/* What dedup keeps grows with the file: a million credit codes must not
 * cost a malloc (and 64 bytes) each.  Every key found with its value,
 * absent ones 0, a put again replaces the value; and the set of 120,000
 * 18-byte codes takes at most 48 bytes a key (glibc's count; under
 * ASan's allocator, which glibc does not see, only the contents are
 * checked).  Fails before: the keys were arena copies with two 8-byte
 * arrays at half load, some 67 bytes a key. */
static void test_keys_compact(void **state)
{
	(void)state;
	enum { N = 120000 };
	char code[19];
	struct import_keys k = { 0 };
	size_t before = heap_used();
	for (int i = 0; i < N; i++) {
		code_of(i, code);
		assert_int_equal(import_keys_put(&k, code, (int64_t)i + 2), 0);
	}
	size_t grew = heap_used() - before;
	if (grew > 0)
		assert_true(grew <= (size_t)N * 48);
	for (int i = 0; i < N; i++) {
		code_of(i, code);
		assert_int_equal(import_keys_get(&k, code), (int64_t)i + 2);
	}
	code_of(N, code);
	assert_int_equal(import_keys_get(&k, code), 0);
	assert_int_equal(import_keys_get(&k, ""), 0);
	code_of(7, code);
	assert_int_equal(import_keys_put(&k, code, 4000000000LL), 0);
	assert_int_equal(import_keys_get(&k, code), 4000000000LL);
	assert_int_equal(k.n, N);
	assert_int_equal(import_keys_put(&k, "", 5), 0);   /* any string is a key */
	assert_int_equal(import_keys_get(&k, ""), 5);
	import_keys_free(&k);
	assert_int_equal(import_keys_get(&k, "x"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_all),
		cmocka_unit_test(test_mode_good),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_errors_kept_and_counted),
		cmocka_unit_test(test_refused_while_writing),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_inside_callers_transaction),
		cmocka_unit_test(test_one_pass),
		cmocka_unit_test(test_keys_compact),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
