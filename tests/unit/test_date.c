/*
 * test_date.c -- src/core/date.c against values worked out independently
 * (Python's datetime module and the calendar; written out here, not
 * computed by the code under test): day numbers, leap years, month ends,
 * the accepted year range, the loose forms people type, spreadsheet
 * serials, zone time and the injected clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

static int64_t day(const char *s)
{
	int64_t d = -999999;
	if (date_parse(s, &d) != DATE_OK)
		fail_msg("%s not parsed", s);
	return d;
}

static void test_day_numbers(void **state)
{
	(void)state;
	/* python3: (date.fromisoformat(s) - date(1970,1,1)).days */
	assert_int_equal(day("1970-01-01"), 0);
	assert_int_equal(day("2000-03-01"), 11017);
	assert_int_equal(day("2021-09-30"), 18900);
	assert_int_equal(day("2024-02-29"), 19782);
	assert_int_equal(day("2099-12-31"), 47481);
	assert_int_equal(day("1900-01-01"), -25567);
	assert_int_equal(day("2199-12-31"), 84005);
	assert_int_equal(date_from_civil(1969, 12, 31), -1);
	char out[DATE_LEN];
	date_format(-25567, out);
	assert_string_equal(out, "1900-01-01");
	date_format(47481, out);
	assert_string_equal(out, "2099-12-31");
	date_format(19782, out);
	assert_string_equal(out, "2024-02-29");
	/* every day of 1900..2199 goes there and back */
	for (int64_t d = -25567; d <= 84005; d++) {
		int y, m, dd;
		date_to_civil(d, &y, &m, &dd);
		if (date_from_civil(y, m, dd) != d || date_check(y, m, dd) != DATE_OK)
			fail_msg("round trip of day %lld", (long long)d);
	}
}

static void test_weekdays_and_leap_years(void **state)
{
	(void)state;
	assert_int_equal(date_weekday(0), 4);                 /* 1970-01-01 Thursday */
	assert_int_equal(date_weekday(day("2021-10-01")), 5); /* National Day 2021, Friday */
	assert_int_equal(date_weekday(day("2026-12-06")), 7); /* Sunday */
	assert_int_equal(date_weekday(day("2000-03-01")), 3);
	assert_int_equal(date_weekday(-1), 3);
	assert_false(date_is_leap(1900));
	assert_true(date_is_leap(2000));
	assert_true(date_is_leap(2024));
	assert_false(date_is_leap(2100));
	assert_int_equal(date_month_days(2024, 2), 29);
	assert_int_equal(date_month_days(2023, 2), 28);
	assert_int_equal(date_month_days(1900, 2), 28);
	assert_int_equal(date_month_days(2021, 4), 30);
	assert_int_equal(date_month_days(2021, 12), 31);
	assert_int_equal(date_month_days(2021, 13), 0);
}

static void test_strict_parsing(void **state)
{
	(void)state;
	assert_int_equal(date_parse("2023-02-29", NULL), DATE_INVALID);
	assert_int_equal(date_parse("2021-13-01", NULL), DATE_INVALID);
	assert_int_equal(date_parse("2021-04-31", NULL), DATE_INVALID);
	assert_int_equal(date_parse("2021-00-10", NULL), DATE_INVALID);
	assert_int_equal(date_parse("1899-12-31", NULL), DATE_RANGE);
	assert_int_equal(date_parse("2200-01-01", NULL), DATE_RANGE);
	assert_int_equal(date_parse("2021-1-01", NULL), DATE_SYNTAX);
	assert_int_equal(date_parse("2021-10-01x", NULL), DATE_SYNTAX);
	assert_int_equal(date_parse("2021/10/01", NULL), DATE_SYNTAX);
	assert_int_equal(date_parse("", NULL), DATE_SYNTAX);
	assert_int_equal(date_parse(NULL, NULL), DATE_SYNTAX);
	int y = 0, m = 0;
	assert_int_equal(month_parse("2021-10", &y, &m), DATE_OK);
	assert_int_equal(y * 100 + m, 202110);
	assert_int_equal(month_parse("2021-13", &y, &m), DATE_INVALID);
	assert_int_equal(month_parse("1899-12", &y, &m), DATE_RANGE);
	assert_int_equal(month_parse("2021-1", &y, &m), DATE_SYNTAX);
	assert_int_equal(month_parse("2021-10-01", &y, &m), DATE_SYNTAX);
	char first[DATE_LEN], last[DATE_LEN];
	assert_int_equal(month_range("2024-02", first, last), DATE_OK);
	assert_string_equal(first, "2024-02-01");
	assert_string_equal(last, "2024-02-29");
	assert_int_equal(month_range("2100-02", first, last), DATE_OK);
	assert_string_equal(last, "2100-02-28");
}

static void test_loose_parsing(void **state)
{
	(void)state;
	static const char *const same[] = {
		"2024-03-05", "2024-3-5", "2024/3/5", "2024.03.05", "2024年3月5日", "2024年3月5号", "20240305",
		" 2024-03-05 ", "２０２４-03-05", "2024-03-05 00:00:00", "2024-03-05T08:30:00", "\xe3\x80\x80" "2024/03/05",
	};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		int64_t d = 0;
		if (date_parse_loose(same[i], &d) != DATE_OK || d != 19787)
			fail_msg("\"%s\" is not 2024-03-05", same[i]);
	}
	static const char *const bad[] = { "2024-3/5", "24-03-05", "2024-03", "2024年3月", "March 5", "2024-03-05x", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (date_parse_loose(bad[i], NULL) != DATE_SYNTAX)
			fail_msg("\"%s\" accepted", bad[i]);
	assert_int_equal(date_parse_loose("2023/2/29", NULL), DATE_INVALID);
	assert_int_equal(date_parse_loose("1800/1/1", NULL), DATE_RANGE);
	int y, m;
	static const char *const months[] = { "2021-10", "2021-10", "2021/10", "2021.10", "2021年10月", "202110", " 2021-10" };
	for (size_t i = 0; i < sizeof months / sizeof months[0]; i++)
		if (month_parse_loose(months[i], &y, &m) != DATE_OK || y != 2021 || m != 10)
			fail_msg("\"%s\" is not 2021-10", months[i]);
	assert_int_equal(month_parse_loose("2021-1", &y, &m), DATE_OK);
	assert_int_equal(m, 1);
	assert_int_equal(month_parse_loose("202113", &y, &m), DATE_INVALID);
	assert_int_equal(month_parse_loose("2021", &y, &m), DATE_SYNTAX);
	assert_int_equal(month_parse_loose("2021-100", &y, &m), DATE_SYNTAX);
}

static void test_month_arithmetic(void **state)
{
	(void)state;
	char out[DATE_LEN];
	date_format(date_add_months(day("2024-01-31"), 1), out);
	assert_string_equal(out, "2024-02-29");
	date_format(date_add_months(day("2023-01-31"), 1), out);
	assert_string_equal(out, "2023-02-28");
	date_format(date_add_months(day("2024-03-31"), -1), out);
	assert_string_equal(out, "2024-02-29");
	date_format(date_add_months(day("2021-11-15"), 14), out);
	assert_string_equal(out, "2023-01-15");
	int y = 2021, m = 12;
	month_add(&y, &m, 1);
	assert_int_equal(y * 100 + m, 202201);
	y = 2021, m = 1;
	month_add(&y, &m, -1);
	assert_int_equal(y * 100 + m, 202012);
	y = 2021, m = 1;
	month_add(&y, &m, -13);
	assert_int_equal(y * 100 + m, 201912);
	assert_int_equal(month_last(2024, 2) - month_first(2024, 2), 28);
	char mo[MONTH_LEN];
	month_format(2026, 3, mo);
	assert_string_equal(mo, "2026-03");
}

static void test_spreadsheet_serials(void **state)
{
	(void)state;
	int64_t d;
	/* Excel: DATE(2021,10,1) = 44470; 1 = 1900-01-01; 61 = 1900-03-01 */
	assert_int_equal(date_from_serial(44470, 0, &d), DATE_OK);
	assert_int_equal(d, 18901);
	assert_int_equal(date_from_serial(44470.75, 0, &d), DATE_OK);
	assert_int_equal(d, 18901);
	assert_int_equal(date_from_serial(1, 0, &d), DATE_OK);
	assert_int_equal(d, -25567);
	assert_int_equal(date_from_serial(59, 0, &d), DATE_OK);
	assert_int_equal(d, day("1900-02-28"));
	assert_int_equal(date_from_serial(60, 0, &d), DATE_INVALID);
	assert_int_equal(date_from_serial(61, 0, &d), DATE_OK);
	assert_int_equal(d, day("1900-03-01"));
	/* the 1904 system: 43008 = 2021-10-01 */
	assert_int_equal(date_from_serial(43008, 1, &d), DATE_OK);
	assert_int_equal(d, 18901);
	assert_int_equal(date_from_serial(0, 0, &d), DATE_SYNTAX);
	assert_int_equal(date_from_serial(3e6, 0, &d), DATE_SYNTAX);
}

static void test_zone_time(void **state)
{
	(void)state;
	/* python3: datetime(2021,12,1,tzinfo=UTC+8).timestamp() = 1638288000 */
	assert_int_equal(date_of_unix(1638288000), day("2021-12-01"));
	assert_int_equal(date_of_unix(1638288000 - 1), day("2021-11-30"));
	assert_int_equal(date_unix(day("2021-12-01")), 1638288000);
	assert_int_equal(date_of_unix(0), 0);
	int64_t t;
	assert_int_equal(datetime_parse("2021-11-03T09:30:00+08:00", &t), 0);
	assert_int_equal(t, 1635903000);
	assert_int_equal(datetime_parse("2021-11-03T01:30:00Z", &t), 0);
	assert_int_equal(t, 1635903000);
	assert_int_equal(datetime_parse("2021-11-03T09:30", &t), 0);     /* zone time */
	assert_int_equal(t, 1635903000);
	assert_int_equal(datetime_parse("2021-11-02T20:30:00.5-05:00", &t), 0);
	assert_int_equal(t, 1635903000);
	assert_int_equal(datetime_parse("2021-11-03", &t), 0);
	assert_int_equal(t, 1635868800);
	assert_int_equal(datetime_parse("2021-11-03T24:00:00", &t), -1);
	assert_int_equal(datetime_parse("2021-11-03T09:30+8", &t), -1);
	assert_int_equal(datetime_parse("2021-02-30", &t), -1);
	char out[DATETIME_LEN];
	datetime_format(1700000000, out);
	assert_string_equal(out, "2023-11-15T06:13:20+08:00");
}

static void test_injected_clock(void **state)
{
	(void)state;
	int64_t at;
	assert_int_equal(clock_parse("2026-12-06", &at), 0);
	assert_int_equal(at, date_unix(day("2026-12-06")) + 9 * 3600);
	assert_int_equal(clock_parse("2021-11-03T09:30:00", &at), 0);
	assert_int_equal(at, 1635903000);
	assert_int_equal(clock_parse("2021-11-03T09:30", &at), -1);
	assert_int_equal(clock_parse("yesterday", &at), -1);
	/* ISO 8601 with an offset (issue 12): the same instant however written */
	assert_int_equal(clock_parse("2021-11-03T09:30:00+08:00", &at), 0);
	assert_int_equal(at, 1635903000);
	assert_int_equal(clock_parse("2021-11-03T01:30:00Z", &at), 0);
	assert_int_equal(at, 1635903000);
	assert_int_equal(clock_parse("2021-11-02T21:30:00-04:00", &at), 0);
	assert_int_equal(at, 1635903000);
	assert_int_equal(clock_parse("2021-11-03T09:30:00.250+08:00", &at), 0);
	assert_int_equal(at, 1635903000);
	assert_int_equal(clock_parse("2026-12-21T09:00:00+08:00", &at), 0);
	assert_int_equal(at, date_unix(day("2026-12-21")) + 9 * 3600);
	assert_int_equal(clock_parse("2021-11-03T09:30:00+8", &at), -1);
	assert_int_equal(clock_parse("2021-11-03T09:30:00+08:00x", &at), -1);
	assert_int_equal(clock_parse("2021-11-03T25:30:00Z", &at), -1);
	clock_set(1635903000);
	int64_t now = now_sec();
	assert_true(now >= 1635903000 && now <= 1635903002);
	assert_int_equal(date_today(), day("2021-11-03"));
	char today[DATE_LEN];
	date_today_str(today);
	assert_string_equal(today, "2021-11-03");
	clock_set((int64_t)time(NULL));
}

/* 时序进度 (docs/time-progress.md): months over / 12; the board counts up to
 * the last full month, so on 6 December December is not over. */
static void test_time_progress(void **state)
{
	(void)state;
	assert_true(time_progress(0) == 0.0);
	assert_true(time_progress(-3) == 0.0);
	assert_true(fabs(time_progress(10) - 10.0 / 12.0) < 1e-12);
	assert_true(time_progress(12) == 1.0);
	assert_true(time_progress(13) == 1.0);
	int64_t at;
	assert_int_equal(clock_parse("2026-12-06", &at), 0);
	clock_set(at);
	assert_int_equal(month_last_full(2026), 11);
	assert_int_equal(month_last_full(2025), 12);
	assert_int_equal(month_last_full(2027), 0);
	assert_int_equal(clock_parse("2026-01-31T23:59:00", &at), 0);
	clock_set(at);
	assert_int_equal(month_last_full(2026), 0);
	assert_int_equal(clock_parse("2026-02-01T00:00:00", &at), 0);
	clock_set(at);
	assert_int_equal(month_last_full(2026), 1);
	clock_set((int64_t)time(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_day_numbers),
		cmocka_unit_test(test_weekdays_and_leap_years),
		cmocka_unit_test(test_strict_parsing),
		cmocka_unit_test(test_loose_parsing),
		cmocka_unit_test(test_month_arithmetic),
		cmocka_unit_test(test_spreadsheet_serials),
		cmocka_unit_test(test_zone_time),
		cmocka_unit_test(test_injected_clock),
		cmocka_unit_test(test_time_progress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
