/*
 * test_calendar.c -- working days on the Chinese calendar (calendar.c)
 * against the State Council's official holiday schedules as the demo
 * ships them (demo_service.c), the time-limit rules, and the demo's
 * service history (the article's 496 enterprises visited and 560 problems
 * resolved in two months).
 *
 * The calendar tests run on a fresh temporary SQLite database, or on the
 * database named by $ZONEOPS_TEST_DB (e.g. PostgreSQL; its calendars of
 * 2021, 2022, 2025 and 2026 are replaced, and 2020, 2023 and 2024 must not
 * be loaded).  The demo tests always use temporary SQLite files.
 *
 * Every expected date below is worked out by hand from the official
 * notices, day by day, in the comment next to it:
 *   2021 (国办发明电〔2020〕27号): 元旦 1/1-1/3; 春节 2/11-2/17, work 2/7 (Sun)
 *     2/20 (Sat); 清明 4/3-4/5; 劳动节 5/1-5/5, work 4/25 (Sun) 5/8 (Sat);
 *     端午 6/12-6/14; 中秋 9/19-9/21, work 9/18 (Sat); 国庆 10/1-10/7, work
 *     9/26 (Sun) 10/9 (Sat).
 *   2022 (国办发明电〔2021〕11号): 元旦 1/1-1/3; 春节 1/31-2/6, work 1/29 (Sat)
 *     1/30 (Sun); 清明 4/3-4/5, work 4/2 (Sat); 劳动节 4/30-5/4, work 4/24
 *     (Sun) 5/7 (Sat); 端午 6/3-6/5; 中秋 9/10-9/12; 国庆 10/1-10/7, work 10/8
 *     (Sat) 10/9 (Sun).
 *   2025: 元旦 1/1; 春节 1/28-2/4, work 1/26 (Sun) 2/8 (Sat); 清明 4/4-4/6;
 *     劳动节 5/1-5/5, work 4/27 (Sun); 端午 5/31-6/2; 国庆中秋 10/1-10/8, work
 *     9/28 (Sun) 10/11 (Sat).
 *   2026: 元旦 1/1-1/3, work 1/4 (Sun); 春节 2/15-2/23, work 2/14 (Sat) 2/28
 *     (Sat); 清明 4/4-4/6; 劳动节 5/1-5/5, work 5/9 (Sat); 端午 6/19-6/21;
 *     中秋 9/25-9/27; 国庆 10/1-10/7, work 9/20 (Sun) 10/10 (Sat).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "core/core.h"
#include "demo/demo.h"
#include "demo/demo_service.h"
#include "service/service.h"
#include "store/store.h"
#include "testutil.h"

static testdb_t g_t;
static db_t *g_db;

static int group_setup(void **state)
{
	(void)state;
	if (auth_init() != 0 || testdb_open(&g_t, "calendar", 1, 1) < 0)
		return -1;
	g_db = g_t.db;
	char *err = NULL;
	if (db_begin(g_db) != DB_OK || demo_seed_calendar(g_db, now_sec(), &err) != 0 || db_commit(g_db) != DB_OK) {
		fprintf(stderr, "test_calendar: seeding the calendars: %s\n", err ? err : db_errmsg(g_db));
		free(err);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	testdb_close(&g_t);
	g_db = NULL;
	return 0;
}

/* The due date of a limit, "YYYY-MM-DD*" when provisional (a year on the
 * way not loaded), "error" on failure. */
static const char *due(const char *from, int m, int n)
{
	static char out[32];
	int provisional = -1;
	if (calendar_due(g_db, from, m, n, out, &provisional) < 0)
		snprintf(out, sizeof out, "error");
	else if (provisional == 1)
		strcat(out, "*");
	else if (provisional != 0)
		snprintf(out, sizeof out, "bad flag");
	return out;
}

/* n working days after from */
static const char *add(const char *from, int n)
{
	return due(from, 0, n);
}

static const char *add_months(const char *from, int m)
{
	return due(from, m, 0);
}

/* 0 Monday … 6 Sunday, independently of calendar.c (Sakamoto). */
static int weekday_of(const char *day)
{
	int y = atoi(day), m = atoi(day + 5), d = atoi(day + 8);
	static const int t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };
	if (m < 3)
		y -= 1;
	int w = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;  /* 0 Sunday */
	return (w + 6) % 7;
}

/* ---- the official schedules ---- */

static void test_years_loaded(void **state)
{
	(void)state;
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM calendar_years WHERE year IN (2021, 2022, 2025, 2026)", -1, 0,
	                         NULL), 4);
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM calendar_years WHERE year IN (2020, 2023, 2024)", -1, 0, NULL),
	                 0);
}

/* Make-up working days fall on weekends only; and in each year the days
 * off that fall on weekdays, less the make-up days, are exactly the
 * statutory holidays: 11 days (2021, 2022), 13 days from 2025 on. */
static void test_schedule_shape(void **state)
{
	(void)state;
	static const struct {
		int year, holidays, makeup, statutory;
	} Y[] = {
		/* holidays listed: 2021 3+7+3+5+3+3+7 = 31, make-up 2/7 2/20 4/25 5/8 9/18 9/26 10/9 = 7 */
		{ 2021, 31, 7, 11 },
		/* 2022 3+7+3+5+3+3+7 = 31, make-up 1/29 1/30 4/2 4/24 5/7 10/8 10/9 = 7 */
		{ 2022, 31, 7, 11 },
		/* 2025 1+8+3+5+3+8 = 28, make-up 1/26 2/8 4/27 9/28 10/11 = 5 */
		{ 2025, 28, 5, 13 },
		/* 2026 3+9+3+5+3+3+7 = 33, make-up 1/4 2/14 2/28 5/9 9/20 10/10 = 6 */
		{ 2026, 33, 6, 13 },
	};
	for (size_t i = 0; i < sizeof Y / sizeof Y[0]; i++) {
		char lo[11], hi[11];
		snprintf(lo, sizeof lo, "%04d-01-01", Y[i].year);
		snprintf(hi, sizeof hi, "%04d-12-31", Y[i].year);
		db_stmt_t *st = db_prepare(g_db, "SELECT day, is_workday FROM calendar_days WHERE day >= $1 AND day <= $2 ORDER BY day");
		assert_non_null(st);
		db_bind_text(st, 1, lo);
		db_bind_text(st, 2, hi);
		int hol = 0, mk = 0, weekday_off = 0;
		while (db_step(st) == DB_ROW) {
			const char *day = db_col_text(st, 0);
			int wd = weekday_of(day);
			if (db_col_int(st, 1)) {
				mk++;
				if (wd < 5)
					fail_msg("make-up day %s is not a weekend", day);
				assert_int_equal(calendar_is_workday(g_db, day), 1);
			} else {
				hol++;
				weekday_off += wd < 5;
				assert_int_equal(calendar_is_workday(g_db, day), 0);
			}
		}
		db_done(st);
		if (hol != Y[i].holidays || mk != Y[i].makeup || weekday_off - mk != Y[i].statutory)
			fail_msg("%d: %d holidays (%d on weekdays), %d make-up days", Y[i].year, hol, weekday_off, mk);
	}
}

static void test_is_workday(void **state)
{
	(void)state;
	assert_int_equal(calendar_is_workday(g_db, "2021-09-17"), 1);  /* Friday */
	assert_int_equal(calendar_is_workday(g_db, "2021-09-18"), 1);  /* Saturday, 调休 for 中秋 */
	assert_int_equal(calendar_is_workday(g_db, "2021-09-19"), 0);  /* Sunday, 中秋 */
	assert_int_equal(calendar_is_workday(g_db, "2021-09-20"), 0);  /* Monday, 中秋 */
	assert_int_equal(calendar_is_workday(g_db, "2021-09-21"), 0);  /* Tuesday, 中秋节 */
	assert_int_equal(calendar_is_workday(g_db, "2021-09-22"), 1);  /* Wednesday */
	assert_int_equal(calendar_is_workday(g_db, "2021-09-25"), 0);  /* an ordinary Saturday */
	assert_int_equal(calendar_is_workday(g_db, "2021-09-26"), 1);  /* Sunday, 调休 for 国庆 */
	assert_int_equal(calendar_is_workday(g_db, "2021-10-08"), 1);  /* Friday after 国庆 */
	assert_int_equal(calendar_is_workday(g_db, "2021-10-09"), 1);  /* Saturday, 调休 */
	assert_int_equal(calendar_is_workday(g_db, "2021-10-10"), 0);  /* Sunday */
	assert_int_equal(calendar_is_workday(g_db, "2026-02-14"), 1);  /* Saturday, 调休 for 春节 */
	assert_int_equal(calendar_is_workday(g_db, "2026-02-23"), 0);  /* Monday, 春节 */
	assert_int_equal(calendar_is_workday(g_db, "2021-02-30"), -1); /* not a date */
}

/* ---- N working days ---- */

static void test_five_days_before_holidays(void **state)
{
	(void)state;
	/* Filed Friday 2021-09-17, the Friday before 中秋 (from not counted):
	 * 9/18 Sat 调休 → 1; 9/19 Sun, 9/20 Mon, 9/21 Tue 中秋 off; 9/22 Wed → 2;
	 * 9/23 → 3; 9/24 Fri → 4; 9/25 Sat off; 9/26 Sun 调休 → 5. */
	assert_string_equal(add("2021-09-17", 5), "2021-09-26");
	/* Filed Thursday 2021-09-30, before 国庆: 10/1-10/7 off; 10/8 Fri → 1;
	 * 10/9 Sat 调休 → 2; 10/10 Sun off; 10/11 → 3; 10/12 → 4; 10/13 → 5. */
	assert_string_equal(add("2021-09-30", 5), "2021-10-13");
	/* Friday 2021-02-05 before 春节: 2/6 Sat off; 2/7 Sun 调休 → 1; 2/8 → 2;
	 * 2/9 → 3; 2/10 → 4; 2/11-2/17 off; 2/18 Thu → 5. */
	assert_string_equal(add("2021-02-05", 5), "2021-02-18");
	/* Friday 2021-04-30 before 劳动节: 5/1-5/5 off; 5/6 Thu → 1; 5/7 Fri → 2;
	 * 5/8 Sat 调休 → 3; 5/9 Sun off; 5/10 → 4; 5/11 → 5. */
	assert_string_equal(add("2021-04-30", 5), "2021-05-11");
	/* Friday 2022-01-28 before 春节: 1/29 Sat 调休 → 1; 1/30 Sun 调休 → 2;
	 * 1/31-2/6 off; 2/7 Mon → 3; 2/8 → 4; 2/9 → 5. */
	assert_string_equal(add("2022-01-28", 5), "2022-02-09");
	/* Friday 2022-09-30 before 国庆: 10/1-10/7 off; 10/8 Sat 调休 → 1;
	 * 10/9 Sun 调休 → 2; 10/10 → 3; 10/11 → 4; 10/12 → 5. */
	assert_string_equal(add("2022-09-30", 5), "2022-10-12");
	/* Friday 2025-09-26 before 国庆中秋: 9/27 Sat off; 9/28 Sun 调休 → 1;
	 * 9/29 → 2; 9/30 → 3; 10/1-10/8 off; 10/9 Thu → 4; 10/10 Fri → 5. */
	assert_string_equal(add("2025-09-26", 5), "2025-10-10");
	/* Wednesday 2026-09-30 before 国庆: 10/1-10/7 off; 10/8 Thu → 1; 10/9 Fri
	 * → 2; 10/10 Sat 调休 → 3; 10/11 Sun off; 10/12 → 4; 10/13 → 5. */
	assert_string_equal(add("2026-09-30", 5), "2026-10-13");
	/* Friday 2026-02-13 before 春节: 2/14 Sat 调休 → 1; 2/15-2/23 off;
	 * 2/24 Tue → 2; 2/25 → 3; 2/26 → 4; 2/27 Fri → 5. */
	assert_string_equal(add("2026-02-13", 5), "2026-02-27");
}

static void test_longer_limits(void **state)
{
	(void)state;
	/* 15 working days from Friday 2021-09-17: 9/18 (1), 9/22 (2), 9/23 (3),
	 * 9/24 (4), 9/26 (5), 9/27 (6), 9/28 (7), 9/29 (8), 9/30 (9),
	 * [10/1-10/7 off], 10/8 (10), 10/9 Sat 调休 (11), 10/11 (12),
	 * 10/12 (13), 10/13 (14), 10/14 (15). */
	assert_string_equal(add("2021-09-17", 15), "2021-10-14");
	/* across New Year: Friday 2021-12-31: 2022-01-01..03 off; 1/4 (1),
	 * 1/5 (2), 1/6 (3), 1/7 (4); 1/8-1/9 weekend; 1/10 (5). */
	assert_string_equal(add("2021-12-31", 5), "2022-01-10");
	/* 0 days: the day itself */
	assert_string_equal(add("2021-10-01", 0), "2021-10-01");
	/* an ordinary week: Monday 2021-11-08 + 5 = Monday 11-15 */
	assert_string_equal(add("2021-11-08", 5), "2021-11-15");
	/* calendar_add_workdays is the same thing */
	char out[11];
	assert_int_equal(calendar_add_workdays(g_db, "2021-09-17", 5, out), 0);
	assert_string_equal(out, "2021-09-26");
}

/* No calendar cliff: a year that is not loaded counts Monday-Friday and
 * the date is provisional. */
static void test_missing_year(void **state)
{
	(void)state;
	/* 2022-12-30 (Fri) + 5 runs into 2023, which is not loaded: 1/2 Mon (1),
	 * 1/3 (2), 1/4 (3), 1/5 (4), 1/6 Fri (5).  (2023's notice made 1/2 a
	 * holiday: the final date will be 1/9.) */
	assert_string_equal(add("2022-12-30", 5), "2023-01-06*");
	char out[11];
	assert_int_equal(calendar_add_workdays(g_db, "2022-12-30", 5, out), 0);
	assert_string_equal(out, "2023-01-06");
	/* staying inside 2022 is final: 12/30 + 0 */
	assert_string_equal(add("2022-12-30", 0), "2022-12-30");
	/* 2020-12-30 + 1 looks at 2020-12-31 (Thursday): 2020 is not loaded */
	assert_string_equal(add("2020-12-30", 1), "2020-12-31*");
	/* 2024 is not loaded either (the demo ships 2021, 2022, 2025, 2026):
	 * Monday 6/3 + 3 = Thursday 6/6 */
	assert_string_equal(add("2024-06-03", 3), "2024-06-06*");
	/* 2024-01-31 + 1 month = 2024-02-29, a Thursday */
	assert_string_equal(add_months("2024-01-31", 1), "2024-02-29*");
	/* 2024-03-09 + 1 month = Tuesday 4/9 … from a Saturday: 2024-02-10 +
	 * 1 month = Sunday 3/10 → Monday 3/11 */
	assert_string_equal(add_months("2024-02-10", 1), "2024-03-11*");
	/* a month then working days (a paused one-month limit): 2021-09-01 + 1
	 * month = 10/1 国庆 → 10/8 Fri; + 2: 10/9 Sat 调休 (1), 10/11 (2) */
	assert_string_equal(due("2021-09-01", 1, 2), "2021-10-11");
	/* bad arguments */
	assert_string_equal(due("2021-02-30", 0, 1), "error");
	assert_string_equal(due("2021-02-01", -1, 0), "error");
}

/* ---- one month ---- */

static void test_month_rule(void **state)
{
	(void)state;
	/* same day next month, clamped to the month's end, moved forward to a
	 * working day:
	 * 2021-01-31 → 2021-02-28 (Sunday, not a make-up day) → Monday 3/1 */
	assert_string_equal(add_months("2021-01-31", 1), "2021-03-01");
	/* 2021-09-01 → 10/1 国庆; 10/2-10/7 off → Friday 10/8 */
	assert_string_equal(add_months("2021-09-01", 1), "2021-10-08");
	/* 2021-01-07 → 2021-02-07, a Sunday but a make-up working day: stays */
	assert_string_equal(add_months("2021-01-07", 1), "2021-02-07");
	/* 2021-12-15 → 2022-01-15 (Saturday) → Monday 1/17 */
	assert_string_equal(add_months("2021-12-15", 1), "2022-01-17");
	/* 2021-08-31 → clamped to 2021-09-30 (Thursday), a working day */
	assert_string_equal(add_months("2021-08-31", 1), "2021-09-30");
	/* 2022-01-01 → 2022-02-01, 春节 (1/31-2/6) → Monday 2/7 */
	assert_string_equal(add_months("2022-01-01", 1), "2022-02-07");
}

/* ---- pausing ---- */

static void test_pause(void **state)
{
	(void)state;
	int missing = 0;
	/* paused on Friday 2021-09-17, resumed Monday 9/27: working days in
	 * (9/17, 9/27]: 9/18 Sat 调休, 9/22, 9/23, 9/24, 9/26 Sun 调休, 9/27 = 6 */
	assert_int_equal(calendar_count_workdays(g_db, "2021-09-17", "2021-09-27", &missing), 6);
	/* the due date 2021-09-26 pushed forward by 6: 9/27 (1), 9/28 (2),
	 * 9/29 (3), 9/30 (4), [国庆], 10/8 (5), 10/9 Sat 调休 (6) */
	assert_string_equal(add("2021-09-26", 6), "2021-10-09");
	/* paused and resumed the same day: nothing */
	assert_int_equal(calendar_count_workdays(g_db, "2021-09-17", "2021-09-17", &missing), 0);
	/* across New Year: (2021-12-30, 2022-01-05]: 12/31, 1/4, 1/5 = 3 */
	assert_int_equal(calendar_count_workdays(g_db, "2021-12-30", "2022-01-05", &missing), 3);
	assert_int_equal(missing, 0);
	/* into an unloaded year: Monday-Friday there, provisional */
	assert_int_equal(calendar_count_workdays(g_db, "2022-12-30", "2023-01-04", &missing), 3);
	assert_int_equal(missing, 1);
	/* counted as if 2026 were not loaded: (2025-12-31, 2026-01-05] has
	 * 1/1 Thu, 1/2 Fri, 1/5 Mon = 3 (the notice: 1/4 Sun 调休, 1/5 = 2) */
	assert_int_equal(calendar_count_as_unloaded(g_db, "2025-12-31", "2026-01-05", 2026), 3);
	assert_int_equal(calendar_count_workdays(g_db, "2025-12-31", "2026-01-05", &missing), 2);
}

static void test_category_limits(void **state)
{
	(void)state;
	int m, w;
	assert_int_equal(category_limit(g_db, "labour", &m, &w), 1);
	assert_int_equal(m, 0);
	assert_int_equal(w, 15);   /* class B */
	assert_int_equal(category_limit(g_db, "land", &m, &w), 1);
	assert_int_equal(m, 1);    /* class A: one month */
	assert_int_equal(w, 0);
	assert_int_equal(category_limit(g_db, "customs", &m, &w), 1);
	assert_int_equal(w, 5);    /* class C */
	assert_int_equal(category_limit(g_db, "no-such", &m, &w), 0);
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM request_categories", -1, 0, NULL), 8);
}

/* ---- the State Council's notices for 2025 and 2026, written out here as
 * the independent source (not demo_service.c's table) ----
 * 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）:
 *   元旦 1月1日（周三）放假1天，不调休。
 *   春节 1月28日（除夕、周二）至2月4日（正月初七、周二）放假调休，共8天。
 *        1月26日（周日）、2月8日（周六）上班。
 *   清明节 4月4日（周五）至6日（周日）放假，共3天。
 *   劳动节 5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
 *   端午节 5月31日（周六）至6月2日（周一）放假，共3天。
 *   国庆节、中秋节 10月1日（周三）至8日（周三）放假调休，共8天。
 *        9月28日（周日）、10月11日（周六）上班。
 * 国务院办公厅关于2026年部分节假日安排的通知（2025年11月）:
 *   元旦 1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
 *   春节 2月15日（腊月二十八、周日）至23日（正月初七、周一）放假调休，共9天。
 *        2月14日（周六）、2月28日（周六）上班。
 *   清明节 4月4日（周六）至6日（周一）放假，共3天。
 *   劳动节 5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
 *   端午节 6月19日（周五）至21日（周日）放假，共3天。
 *   中秋节 9月25日（周五）至27日（周日）放假，共3天。
 *   国庆节 10月1日（周四）至7日（周三）放假调休，共7天。
 *        9月20日（周日）、10月10日（周六）上班。 */
static const struct notice {
	const char *first, *last;   /* YYYYMMDD, inclusive */
	int work;                   /* 1 上班 (make-up day), 0 放假 */
	const char *name;
} NOTICES[] = {
	{ "20250101", "20250101", 0, "元旦" },
	{ "20250128", "20250204", 0, "春节" },
	{ "20250126", "20250126", 1, "春节" },
	{ "20250208", "20250208", 1, "春节" },
	{ "20250404", "20250406", 0, "清明节" },
	{ "20250501", "20250505", 0, "劳动节" },
	{ "20250427", "20250427", 1, "劳动节" },
	{ "20250531", "20250602", 0, "端午节" },
	{ "20251001", "20251008", 0, "国庆节、中秋节" },
	{ "20250928", "20250928", 1, "国庆节、中秋节" },
	{ "20251011", "20251011", 1, "国庆节、中秋节" },
	{ "20260101", "20260103", 0, "元旦" },
	{ "20260104", "20260104", 1, "元旦" },
	{ "20260215", "20260223", 0, "春节" },
	{ "20260214", "20260214", 1, "春节" },
	{ "20260228", "20260228", 1, "春节" },
	{ "20260404", "20260406", 0, "清明节" },
	{ "20260501", "20260505", 0, "劳动节" },
	{ "20260509", "20260509", 1, "劳动节" },
	{ "20260619", "20260621", 0, "端午节" },
	{ "20260925", "20260927", 0, "中秋节" },
	{ "20261001", "20261007", 0, "国庆节" },
	{ "20260920", "20260920", 1, "国庆节" },
	{ "20261010", "20261010", 1, "国庆节" },
};
#define NNOTICES (sizeof NOTICES / sizeof NOTICES[0])

/* "20251001" → "2025-10-01" */
static const char *iso(const char *d)
{
	static char out[4][11];
	static int k;
	char *o = out[k++ % 4];
	snprintf(o, 11, "%.4s-%.2s-%.2s", d, d + 4, d + 6);
	return o;
}

/* The notice's word for day (YYYY-MM-DD): 1 working, 0 off, by the
 * notices or else Monday-Friday. */
static int notice_workday(const char *day)
{
	for (size_t i = 0; i < NNOTICES; i++)
		if (strcmp(day, iso(NOTICES[i].first)) >= 0 && strcmp(day, iso(NOTICES[i].last)) <= 0)
			return NOTICES[i].work;
	return weekday_of(day) < 5;
}

/* Every day of 2025 and 2026 as the notices say (the demo's loaded years). */
static void test_notices_2025_2026(void **state)
{
	(void)state;
	int off[2] = { 0, 0 }, work[2] = { 0, 0 };
	for (int y = 2025; y <= 2026; y++) {
		for (int m = 1; m <= 12; m++) {
			for (int d = 1; d <= 31; d++) {
				char day[16];
				snprintf(day, sizeof day, "%04d-%02d-%02d", y, m, d);
				int64_t n;
				if (date_parse(day, &n) < 0)
					continue;
				int want = notice_workday(day);
				if (calendar_is_workday(g_db, day) != want)
					fail_msg("%s: the calendar says %d, the notice %d", day, calendar_is_workday(g_db, day), want);
				if (want && weekday_of(day) >= 5)
					work[y - 2025]++;
				if (!want && weekday_of(day) < 5)
					off[y - 2025]++;
			}
		}
	}
	/* weekdays off less make-up days = the statutory holidays: 13 a year */
	assert_int_equal(off[0] - work[0], 13);
	assert_int_equal(off[1] - work[1], 13);
	assert_int_equal(work[0], 5);
	assert_int_equal(work[1], 6);
}

/* The notices as a public holiday feed publishes them: one VEVENT per
 * holiday period ("国庆节 假期") or make-up day ("国庆节 补班"), CRLF, a
 * folded SUMMARY, an alarm inside one event, events of other years. */
static char *notice_ics(void)
{
	buf_t b;
	buf_init(&b);
	buf_puts(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//holidays//CN\r\nX-WR-CALNAME:节假日\r\n");
	for (size_t i = 0; i < NNOTICES; i++) {
		int64_t last;
		date_parse(iso(NOTICES[i].last), &last);
		char end[DATE_LEN];
		date_format(last + 1, end);
		char buf[400];
		snprintf(buf, sizeof buf,
		         "BEGIN:VEVENT\r\nUID:%s-%zu@test\r\nDTSTART;VALUE=DATE:%s\r\nDTEND;VALUE=DATE:%.4s%.2s%.2s\r\n"
		         "SUMMARY:%s %s\r\n%sEND:VEVENT\r\n",
		         NOTICES[i].first, i, NOTICES[i].first, end, end + 5, end + 8, NOTICES[i].name,
		         NOTICES[i].work ? "补班" : "假期", i == 3 ? "BEGIN:VALARM\r\nACTION:DISPLAY\r\nSUMMARY:x\r\nEND:VALARM\r\n" : "");
		buf_puts(&b, buf);
	}
	/* folded (RFC 5545 3.1): "国庆节" split inside a character's bytes is
	 * not allowed, so fold between characters */
	buf_puts(&b, "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20241001\r\nDTEND;VALUE=DATE:20241008\r\n"
	             "SUMMARY:国庆\r\n 节 假期\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
	return buf_steal(&b);
}

static void test_ics_notices(void **state)
{
	(void)state;
	char *ics = notice_ics();
	struct ics_days *d = malloc(sizeof *d);
	err_t e;
	for (int y = 2025; y <= 2026; y++) {
		assert_int_equal(ics_days(ics, strlen(ics), y, d, &e), 0);
		/* 2025: 1+8+3+5+3+8 = 28 off, 5 make-up; 2026: 3+9+3+5+3+3+7 = 33, 6 */
		assert_int_equal(d->n, y == 2025 ? 33 : 39);
		for (int i = 0; i < d->n; i++) {
			char day[DATE_LEN];
			date_format(d->d[i].day, day);
			assert_int_equal(d->d[i].workday, notice_workday(day));
			assert_int_equal(calendar_is_workday(g_db, day), d->d[i].workday);
			assert_non_null(strstr(d->d[i].note, d->d[i].workday ? "补班" : "假期"));
		}
	}
	/* the folded event */
	assert_int_equal(ics_days(ics, strlen(ics), 2024, d, &e), 0);
	assert_int_equal(d->n, 7);
	assert_string_equal(d->d[0].note, "国庆节 假期");
	/* LF line ends work the same */
	buf_t lf;
	buf_init(&lf);
	for (const char *p = ics; *p; p++)
		if (*p != '\r')
			buf_append(&lf, p, 1);
	char *t = buf_steal(&lf);
	assert_int_equal(ics_days(t, strlen(t), 2026, d, &e), 0);
	assert_int_equal(d->n, 39);
	free(t);
	free(ics);
	free(d);
}

/* Bad files: 422 invalid_ics naming the line. */
static void test_ics_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int line;
		const char *says;
	} BAD[] = {
		{ "", 1, "empty" },
		{ "hello\n", 1, "content line" },
		{ "BEGIN:VEVENT\n", 1, "BEGIN:VCALENDAR" },
		{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20270230\nEND:VEVENT\nEND:VCALENDAR\n", 3, "DTSTART" },
		{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20271001\nDTEND;VALUE=DATE:20271001\n"
		  "SUMMARY:国庆节 假期\nEND:VEVENT\nEND:VCALENDAR\n", 2, "DTEND" },
		{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20271001\nSUMMARY:国庆节\nEND:VEVENT\nEND:VCALENDAR\n", 2,
		  "neither" },
		{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:补班\nEND:VEVENT\nEND:VCALENDAR\n", 2, "DTSTART" },
		{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20271001\nSUMMARY:补班\nEND:VCALENDAR\n", 5, "closes" },
		{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20271001\nSUMMARY:补班\n", 5, "ends inside" },
		{ " folded\nBEGIN:VCALENDAR\n", 1, "continuation" },
		{ "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=PERIOD:20271001T000000\r\n", 3, "DATE" },
		{ "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20271001\nDTEND:20271003\nSUMMARY:假期\nEND:VEVENT\n"
		  "BEGIN:VEVENT\nDTSTART:20271002\nSUMMARY:补班\nEND:VEVENT\nEND:VCALENDAR\n", 7, "both" },
	};
	struct ics_days *d = malloc(sizeof *d);
	for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
		err_t e;
		err_clear(&e);
		if (ics_days(BAD[i].text, strlen(BAD[i].text), 2027, d, &e) != -1)
			fail_msg("bad file %zu accepted", i);
		assert_int_equal(e.status, 422);
		assert_string_equal(e.code, "invalid_ics");
		assert_string_equal(e.field, "file");
		if (BAD[i].line > 1 || strcmp(BAD[i].says, "empty") != 0) {
			if (e.line != BAD[i].line)
				fail_msg("file %zu: line %lld, expected %d: %s", i, (long long)e.line, BAD[i].line, e.message);
		}
		if (strstr(e.message, BAD[i].says) == NULL)
			fail_msg("file %zu: '%s' does not say '%s'", i, e.message, BAD[i].says);
	}
	/* a content line beyond the bound */
	size_t big = ICS_LINE_MAX + 100;
	char *t = malloc(big + 64);
	strcpy(t, "BEGIN:VCALENDAR\nX-LONG:");
	size_t n = strlen(t);
	memset(t + n, 'a', big);
	strcpy(t + n + big, "\nEND:VCALENDAR\n");
	err_t e;
	assert_int_equal(ics_days(t, strlen(t), 2027, d, &e), -1);
	assert_int_equal(e.line, 2);
	free(t);
	/* a date-time, DURATION, an event across New Year, a day of a weekend */
	const char *ok = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261231T000000Z\nDURATION:P3D\nSUMMARY:元旦（休）\nEND:VEVENT\n"
	                 "BEGIN:VEVENT\nDTSTART;VALUE=DATE:20270103\nSUMMARY:元旦（班）\nEND:VEVENT\nEND:VCALENDAR";
	assert_int_equal(ics_days(ok, strlen(ok), 2027, d, &e), 0);
	assert_int_equal(d->n, 3);   /* 1/1, 1/2 off; 1/3 at work */
	assert_int_equal(d->d[1].workday, 0);
	assert_int_equal(d->d[2].workday, 1);
	free(d);
}

/* calendar_load runs the hook (the requests' recomputation) in its
 * transaction and returns its count; the year is then final. */
static int g_hook_year;
static int count_hook(db_t *db, int year, int64_t now, err_t *err)
{
	(void)db, (void)now, (void)err;
	g_hook_year = year;
	return 7;
}

static void test_load_hook(void **state)
{
	(void)state;
	assert_string_equal(add("2030-09-30", 1), "2030-10-01*");
	calendar_on_load(count_hook);
	struct calendar_day days[] = { { "2030-10-01", 0, "国庆节" } };
	err_t e;
	assert_int_equal(calendar_load(g_db, 2030, days, 1, "test", now_sec(), &e), 7);
	calendar_on_load(NULL);
	assert_int_equal(g_hook_year, 2030);
	assert_string_equal(add("2030-09-30", 1), "2030-10-02");
}

/* Loading a year counts the joint meetings' task deadlines again
 * (meeting_tasks_recompute, through requests_recompute_provisional): a
 * deadline that keeps its day loses its provisional flag; one that crosses
 * a new holiday moves.  Meeting on Monday 2031-03-03, 2031 not loaded;
 * loaded with Wednesday 03-05 a holiday: 1 working day is 03-04 either
 * way, 5 working days are 03-10 Monday-Friday and 03-11 on the calendar. */
static void test_load_meeting_tasks(void **state)
{
	(void)state;
	assert_int_equal(db_exec(g_db, "INSERT INTO departments (name) VALUES ('会商测试部门')"), DB_OK);
	assert_int_equal(db_exec(g_db, "INSERT INTO meetings (title, held_on, created_at, updated_at)"
	                               " VALUES ('2031年3月会商', '2031-03-03', 0, 0)"), DB_OK);
	assert_int_equal(db_exec(g_db, "INSERT INTO meeting_items (meeting_id, kind, title, proposed_at)"
	                               " SELECT max(id), 'topic', '议题', 0 FROM meetings"), DB_OK);
	assert_int_equal(db_exec(g_db, "INSERT INTO meeting_tasks (item_id, title, department_id, due_workdays, due_on,"
	                               " due_provisional, created_at, updated_at)"
	                               " SELECT (SELECT max(id) FROM meeting_items), t, (SELECT max(id) FROM departments), n, d, 1, 0, 0"
	                               " FROM (SELECT '一日' AS t, 1 AS n, '2031-03-04' AS d UNION ALL"
	                               " SELECT '五日', 5, '2031-03-10') x"), DB_OK);
	assert_string_equal(add("2031-03-03", 5), "2031-03-10*");
	calendar_on_load(requests_recompute_provisional);
	struct calendar_day days[] = { { "2031-03-05", 0, "测试假日" } };
	err_t e;
	int n = calendar_load(g_db, 2031, days, 1, "test", now_sec(), &e);
	calendar_on_load(NULL);
	assert_true(n >= 0);
	db_stmt_t *st = db_prepare(g_db, "SELECT title, due_on, due_provisional FROM meeting_tasks"
	                                 " WHERE item_id = (SELECT max(id) FROM meeting_items) ORDER BY id");
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "一日");
	assert_string_equal(db_col_text(st, 1), "2031-03-04");
	assert_int_equal(db_col_int(st, 2), 0);   /* the same day, no longer provisional */
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 1), "2031-03-11");
	assert_int_equal(db_col_int(st, 2), 0);
	db_done(st);
}

/* ---- the demo's service history ---- */

static int64_t q(db_t *db, const char *sql)
{
	int64_t v = db_int1(db, sql, -1, 0, NULL);
	if (v < 0)
		fail_msg("%s: %s", sql, db_errmsg(db));
	return v;
}

/* A fresh temporary SQLite database with the demo's service data in t. */
static db_t *demo_db(testdb_t *t)
{
	if (testdb_open(t, "calendar-demo", 0, 1) < 0)
		return NULL;
	db_t *db = t->db;
	char pw[32], *err = NULL;
	int rc = demo_seed(db, pw, sizeof pw, &err);
	if (rc != 1) {
		fprintf(stderr, "demo_seed = %d: %s\n", rc, err ? err : "?");
		free(err);
		testdb_close(t);
		return NULL;
	}
	/* until demo_seed calls it itself */
	if (db_int1(db, "SELECT count(*) FROM visits", -1, 0, NULL) == 0) {
		if (db_begin(db) != DB_OK || demo_seed_service(db, now_sec(), &err) != 0 || db_commit(db) != DB_OK) {
			fprintf(stderr, "demo_seed_service: %s\n", err ? err : db_errmsg(db));
			free(err);
			testdb_close(t);
			return NULL;
		}
	}
	return db;
}

/* 2021-10-15 00:00 and 2021-12-16 00:00 China time */
#define T_FROM "(18915 * 86400 - 28800)"
#define T_TO "(18977 * 86400 - 28800)"

static void test_demo_figures(void **state)
{
	(void)state;
	testdb_t t;
	db_t *db = demo_db(&t);
	assert_non_null(db);
	int64_t d;
	date_parse(DEMO_VISITS_FROM, &d);
	assert_int_equal(d, 18915);
	date_parse("2021-12-16", &d);
	assert_int_equal(d, 18977);

	/* 走访企业496家 */
	assert_int_equal(q(db, "SELECT count(DISTINCT enterprise_id) FROM visits"
	                       " WHERE visited_on >= '2021-10-15' AND visited_on <= '2021-12-15'"), 496);
	/* every visit of the period on a working day */
	db_stmt_t *st = db_prepare(db, "SELECT visited_on FROM visits WHERE visited_on <= '2021-12-15'");
	while (db_step(st) == DB_ROW)
		assert_int_equal(calendar_is_workday(db, db_col_text(st, 0)), 1);
	db_done(st);
	/* 协调解决问题560条: resolved within the period, and all resolved
	 * requests raised in it */
	assert_int_equal(q(db, "SELECT count(*) FROM requests WHERE kind = 'request' AND status IN ('resolved', 'closed')"
	                       " AND resolved_at >= " T_FROM " AND resolved_at < " T_TO), 560);
	/* raised in it: 596; all of them settled since (the demo takes the 36
	 * still open at the end of the period through to closed in January
	 * 2022, so that nothing of 2021 is five years overdue today) */
	assert_int_equal(q(db, "SELECT count(*) FROM requests WHERE kind = 'request'"
	                       " AND created_at >= " T_FROM " AND created_at < " T_TO), 596);
	assert_int_equal(q(db, "SELECT count(*) FROM requests WHERE kind = 'request' AND status IN ('resolved', 'closed')"
	                       " AND created_at >= " T_FROM " AND created_at < " T_TO), 596);
	/* the state at the end of the period, from the history: 36 open, 4 of
	 * them not yet accepted, some escalated or waiting for the enterprise */
#define OPEN_AT_END " AND created_at < " T_TO " AND (resolved_at IS NULL OR resolved_at >= " T_TO ")"
	assert_int_equal(q(db, "SELECT count(*) FROM requests WHERE kind = 'request'" OPEN_AT_END), 36);
	assert_int_equal(q(db, "SELECT count(*) FROM requests r WHERE kind = 'request' AND created_at < " T_TO
	                       " AND NOT EXISTS (SELECT 1 FROM request_events ev WHERE ev.request_id = r.id"
	                       " AND ev.action = 'accept' AND ev.at < " T_TO ")"), 4);
	assert_true(q(db, "SELECT count(DISTINCT request_id) FROM request_events WHERE action = 'escalate' AND at < " T_TO) >= 2);
	assert_true(q(db, "SELECT count(DISTINCT request_id) FROM request_events WHERE action = 'wait' AND at < " T_TO) >= 5);
	/* overdue at the end of the period */
	assert_true(q(db, "SELECT count(*) FROM requests WHERE kind = 'request' AND due_on < '2021-12-15'" OPEN_AT_END) >= 5);
#undef OPEN_AT_END
	/* reopened after a low rating within the period: 11, 8 of them
	 * resolved again before its end */
	assert_int_equal(q(db, "SELECT count(DISTINCT request_id) FROM request_events WHERE action = 'reopen' AND at < " T_TO), 11);
	assert_int_equal(q(db, "SELECT count(DISTINCT o.request_id) FROM request_events o JOIN request_events rs"
	                       " ON rs.request_id = o.request_id AND rs.action = 'resolve' AND rs.id > o.id AND rs.at < " T_TO
	                       " WHERE o.action = 'reopen' AND o.at < " T_TO), 8);
	/* ratings mostly 4-5 */
	int64_t rated = q(db, "SELECT count(*) FROM requests WHERE kind = 'request' AND status IN ('resolved', 'closed')"
	                      " AND rating IS NOT NULL");
	int64_t good = q(db, "SELECT count(*) FROM requests WHERE kind = 'request' AND status IN ('resolved', 'closed')"
	                     " AND rating >= 4");
	assert_true(rated > 400);
	assert_true(good * 100 >= rated * 85);
	/* the article's stories */
	assert_int_equal(q(db, "SELECT count(*) FROM requests r JOIN enterprises e ON e.id = r.enterprise_id"
	                       " WHERE e.name LIKE '%朗股%' AND r.category = 'customs' AND r.level = 'province'"
	                       " AND r.status = 'closed' AND r.rating = 5"), 1);
	assert_int_equal(q(db, "SELECT count(*) FROM requests r JOIN enterprises e ON e.id = r.enterprise_id"
	                       " WHERE e.name = '江苏恒太照明股份有限公司' AND r.source = 'visit'"
	                       " AND r.title IN ('一线操作工缺口约120人，请求协助招工', '职工子女上学问题')"
	                       " AND r.status = 'closed' AND r.rating = 5 AND r.created_at < " T_TO), 2);
	/* every history is a chain: starts with create, each event leaves from
	 * where the last one arrived, ends at the request's status */
	assert_int_equal(q(db, "SELECT count(*) FROM requests r WHERE (SELECT ev.action FROM request_events ev"
	                       " WHERE ev.request_id = r.id ORDER BY ev.id LIMIT 1) <> 'create'"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM requests r WHERE (SELECT ev.to_status FROM request_events ev"
	                       " WHERE ev.request_id = r.id ORDER BY ev.id DESC LIMIT 1) <> r.status"), 0);
	assert_int_equal(q(db, "SELECT count(*) FROM request_events a JOIN request_events b ON b.request_id = a.request_id"
	                       " AND b.id = (SELECT min(c.id) FROM request_events c WHERE c.request_id = a.request_id"
	                       " AND c.id > a.id) WHERE b.from_status <> a.to_status OR b.at < a.at"), 0);
	/* due dates: accepted_on + the category's limit on the calendar, pushed
	 * forward by the pauses, restarted by a hand-over to another level
	 * (checked where there was neither) */
	st = db_prepare(db, "SELECT r.accepted_on, r.category, r.due_on FROM requests r WHERE r.kind = 'request'"
	                    " AND r.accepted_on <> '' AND NOT EXISTS (SELECT 1 FROM request_events ev"
	                    " WHERE ev.request_id = r.id AND ev.action IN ('resume', 'escalate', 'return'))");
	int checked = 0;
	while (db_step(st) == DB_ROW) {
		int m, w, missing;
		char due[11];
		assert_int_equal(category_limit(db, db_col_text(st, 1), &m, &w), 1);
		assert_int_equal(calendar_due(db, db_col_text(st, 0), m, w, due, &missing), 0);
		if (strcmp(due, db_col_text(st, 2)) != 0)
			fail_msg("accepted %s (%s): due %s, expected %s", db_col_text(st, 0), db_col_text(st, 1),
			         db_col_text(st, 2), due);
		checked++;
	}
	db_done(st);
	assert_true(checked > 500);
	/* enterprises: valid unique credit codes, grams for the new ones */
	st = db_prepare(db, "SELECT credit_code FROM enterprises");
	while (db_step(st) == DB_ROW)
		if (!credit_code_check(db_col_text(st, 0)))
			fail_msg("invalid credit code %s", db_col_text(st, 0));
	db_done(st);
	assert_int_equal(q(db, "SELECT count(*) - count(DISTINCT credit_code) FROM enterprises"), 0);
	assert_int_equal(q(db, "SELECT count(*) - count(DISTINCT name) FROM enterprises"), 0);
	/* the search index holds each name's distinct grams, no more, no less */
	int64_t pairs = 0, g[512];
	st = db_prepare(db, "SELECT lower(name) FROM enterprises");
	while (db_step(st) == DB_ROW) {
		assert_true(strlen(db_col_text(st, 0)) < 256);
		pairs += (int64_t)text_grams(db_col_text(st, 0), g);
	}
	db_done(st);
	assert_true(pairs > 0);
	assert_int_equal(q(db, "SELECT sum(n) FROM enterprise_postings"), pairs);
	/* officers visited only the enterprises they serve */
	assert_int_equal(q(db, "SELECT count(*) FROM visits v JOIN users u ON u.id = v.visitor_id"
	                       " JOIN enterprises e ON e.id = v.enterprise_id WHERE u.role = 'officer'"
	                       " AND (e.officer_id IS NULL OR e.officer_id <> u.id)"), 0);
	/* inspection findings in every state */
	assert_true(q(db, "SELECT count(DISTINCT status) FROM requests WHERE kind = 'inspection'") == 4);
	testdb_close(&t);
}

static char *dump(db_t *db, const char *sql)
{
	buf_t b;
	buf_init(&b);
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		fail_msg("%s: %s", sql, db_errmsg(db));
	while (db_step(st) == DB_ROW) {
		for (int c = 0; c < db_col_count(st); c++) {
			buf_puts(&b, db_col_text(st, c));
			buf_puts(&b, "|");
		}
		buf_puts(&b, "\n");
	}
	db_done(st);
	return buf_steal(&b);
}

static void test_demo_deterministic(void **state)
{
	(void)state;
	static const char *const DUMPS[] = {
		"SELECT credit_code, name, street_id, industry, founded_on FROM enterprises ORDER BY id",
		"SELECT enterprise_id, visited_on, visitor_id, department_id, people_met, notes, created_at FROM visits ORDER BY id",
		"SELECT kind, enterprise_id, category, title, status, department_id, level, accepted_on, due_on, paused_since,"
		" rating, resolved_at, closed_at, created_at FROM requests ORDER BY id",
		"SELECT request_id, at, user_id, username, action, from_status, to_status, detail FROM request_events ORDER BY id",
		"SELECT day, is_workday, note FROM calendar_days ORDER BY day",
	};
	testdb_t t[2];
	db_t *db[2];
	for (int i = 0; i < 2; i++) {
		db[i] = demo_db(&t[i]);
		assert_non_null(db[i]);
	}
	for (size_t k = 0; k < sizeof DUMPS / sizeof DUMPS[0]; k++) {
		char *a = dump(db[0], DUMPS[k]), *b = dump(db[1], DUMPS[k]);
		assert_true(strlen(a) > 100);
		if (strcmp(a, b) != 0)
			fail_msg("the demo service data differ between two runs: %s", DUMPS[k]);
		free(a);
		free(b);
	}
	for (int i = 0; i < 2; i++)
		testdb_close(&t[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_years_loaded),
		cmocka_unit_test(test_schedule_shape),
		cmocka_unit_test(test_is_workday),
		cmocka_unit_test(test_five_days_before_holidays),
		cmocka_unit_test(test_longer_limits),
		cmocka_unit_test(test_missing_year),
		cmocka_unit_test(test_month_rule),
		cmocka_unit_test(test_pause),
		cmocka_unit_test(test_category_limits),
		cmocka_unit_test(test_notices_2025_2026),
		cmocka_unit_test(test_ics_notices),
		cmocka_unit_test(test_ics_errors),
		cmocka_unit_test(test_load_hook),
		cmocka_unit_test(test_load_meeting_tasks),
		cmocka_unit_test(test_demo_figures),
		cmocka_unit_test(test_demo_deterministic),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
