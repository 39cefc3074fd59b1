/*
 * test_indicator_import.c -- the cell parsers of the indicator import
 * (src/indicators/import.c): decimal 亿 → integer 万 without floating
 * point, periods and years, header mapping (English and Chinese) and
 * indicator names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

/* import.c's parsers (not in a header: private to import.c and this test) */
int indimp_amount(const char *s, int lenient, int64_t *out);
int indimp_period(const char *s, int lenient, int date1904, int *year, int *month);
int indimp_year(const char *s, int *year);
int indimp_header(const char *s, int targets);
const char *indimp_indicator(const char *s);

static int64_t amt(const char *s, int lenient)
{
	int64_t v = -12345;
	int rc = indimp_amount(s, lenient, &v);
	return rc < 0 ? rc : v;
}

static void test_amount_exact(void **state)
{
	(void)state;
	assert_int_equal(amt("61.8", 0), 618000);
	assert_int_equal(amt("5.54", 0), 55400);
	assert_int_equal(amt("0.0001", 0), 1);
	assert_int_equal(amt("1485", 0), 14850000);
	assert_int_equal(amt("453.8", 0), 4538000);
	assert_int_equal(amt("0", 0), 0);
	assert_int_equal(amt("0.0", 0), 0);
	assert_int_equal(amt(".5", 0), 5000);
	assert_int_equal(amt("12.", 0), 120000);
	assert_int_equal(amt("007.25", 0), 72500);
	assert_int_equal(amt(" 61.8 ", 0), 618000);        /* trimmed */
	assert_int_equal(amt("\xE3\x80\x80" "61.8", 0), 618000);   /* U+3000 */
	assert_int_equal(amt("+3", 0), 30000);
	assert_int_equal(amt("1.23450", 0), 12345);        /* a trailing zero beyond 4 decimals */
	assert_int_equal(amt("0.1", 0) + amt("0.2", 0), amt("0.3", 0));  /* no binary floating point */
	assert_int_equal(amt("99999999999.9999", 0), 999999999999999LL);
	/* full-width digits fold */
	assert_int_equal(amt("\xEF\xBC\x96\xEF\xBC\x91.8", 0), 618000);
}

static void test_amount_refused(void **state)
{
	(void)state;
	assert_int_equal(amt("1e3", 0), -1);
	assert_int_equal(amt("-1", 0), -2);
	assert_int_equal(amt("-0.5", 0), -2);
	assert_int_equal(amt("1.23456", 0), -3);
	assert_int_equal(amt("abc", 0), -1);
	assert_int_equal(amt("", 0), -1);
	assert_int_equal(amt(".", 0), -1);
	assert_int_equal(amt("1,234", 0), -1);
	assert_int_equal(amt("1.2.3", 0), -1);
	assert_int_equal(amt("12abc", 0), -1);
	assert_int_equal(amt("0x10", 0), -1);
	assert_int_equal(amt("inf", 0), -1);
	assert_int_equal(amt("nan", 0), -1);
	assert_int_equal(amt("1 000", 0), -1);
	assert_int_equal(amt("1234567890123", 0), -4);   /* beyond 12 digits of 亿 */
}

static void test_amount_xlsx(void **state)
{
	(void)state;
	/* XLSX numbers: exponent form and binary-double noise */
	assert_int_equal(amt("1E-4", 1), 1);
	assert_int_equal(amt("1.5E+3", 1), 15000000);
	assert_int_equal(amt("5.5400000000000001", 1), 55400);
	assert_int_equal(amt("61.799999999999997", 1), 618000);
	assert_int_equal(amt("0.99999999999999989", 1), 10000);
	assert_int_equal(amt("61.8", 1), 618000);
	assert_int_equal(amt("1485", 1), 14850000);
	/* real extra precision is still refused */
	assert_int_equal(amt("1.23456", 1), -3);
	assert_int_equal(amt("1.2345678", 1), -3);
	assert_int_equal(amt("-1", 1), -2);
	assert_int_equal(amt("abc", 1), -1);
	assert_int_equal(amt("1e", 1), -1);
}

static void test_period(void **state)
{
	(void)state;
	int y = 0, m = 0;
	assert_int_equal(indimp_period("2021-10", 0, 0, &y, &m), 0);
	assert_int_equal(y, 2021);
	assert_int_equal(m, 10);
	assert_int_equal(indimp_period("2021-1", 0, 0, &y, &m), 0);
	assert_int_equal(m, 1);
	assert_int_equal(indimp_period("2021-01", 0, 0, &y, &m), 0);
	assert_int_equal(m, 1);
	assert_int_equal(indimp_period("2021/12", 0, 0, &y, &m), 0);
	assert_int_equal(m, 12);
	assert_int_equal(indimp_period("2021年3月", 0, 0, &y, &m), 0);
	assert_int_equal(m, 3);
	assert_int_equal(indimp_period("202110", 0, 0, &y, &m), 0);
	assert_int_equal(m, 10);
	assert_int_equal(indimp_period(" 2021-10 ", 0, 0, &y, &m), 0);
	/* month and year out of range, and not a period */
	assert_int_equal(indimp_period("2021-13", 0, 0, &y, &m), -2);
	assert_int_equal(indimp_period("2021-00", 0, 0, &y, &m), -2);
	assert_int_equal(indimp_period("202113", 0, 0, &y, &m), -2);
	assert_int_equal(indimp_period("1899-10", 0, 0, &y, &m), -3);
	assert_int_equal(indimp_period("2021-100", 0, 0, &y, &m), -1);
	assert_int_equal(indimp_period("2021", 0, 0, &y, &m), -1);
	assert_int_equal(indimp_period("21-10", 0, 0, &y, &m), -1);
	assert_int_equal(indimp_period("2021-10-01", 0, 0, &y, &m), -1);
	assert_int_equal(indimp_period("abc", 0, 0, &y, &m), -1);
	assert_int_equal(indimp_period("44470", 0, 0, &y, &m), -1);   /* a serial only from XLSX */
	/* XLSX: a cell typed 2021-10 is the date serial of 2021-10-01 */
	assert_int_equal(indimp_period("44470", 1, 0, &y, &m), 0);
	assert_int_equal(y, 2021);
	assert_int_equal(m, 10);
	assert_int_equal(indimp_period("43009", 1, 1, &y, &m), 0);    /* 1904 system: 2021-10-01 */
	assert_int_equal(y, 2021);
	assert_int_equal(m, 10);
	assert_int_equal(indimp_period("2021-10", 1, 0, &y, &m), 0);
	/* years */
	assert_int_equal(indimp_year("2021", &y), 0);
	assert_int_equal(y, 2021);
	assert_int_equal(indimp_year("2022年", &y), 0);
	assert_int_equal(y, 2022);
	assert_int_equal(indimp_year("2021.0", &y), 0);
	assert_int_equal(indimp_year("2021-10", &y), -1);
	assert_int_equal(indimp_year("21", &y), -1);
	assert_int_equal(indimp_year("3000", &y), -1);
}

static void test_headers(void **state)
{
	(void)state;
	/* values: period,region,indicator,value and 期间,地区,指标,数值 */
	assert_int_equal(indimp_header("period", 0), 0);
	assert_int_equal(indimp_header("Region", 0), 1);
	assert_int_equal(indimp_header(" INDICATOR ", 0), 2);
	assert_int_equal(indimp_header("value", 0), 3);
	assert_int_equal(indimp_header("期间", 0), 0);
	assert_int_equal(indimp_header("地区", 0), 1);
	assert_int_equal(indimp_header("指标", 0), 2);
	assert_int_equal(indimp_header("数值", 0), 3);
	assert_int_equal(indimp_header("数值（亿元）", 0), 3);
	assert_int_equal(indimp_header("value (亿元)", 0), 3);
	assert_int_equal(indimp_header("\xEF\xBB\xBFperiod", 0), 0);   /* a BOM left on the first header */
	assert_int_equal(indimp_header("year", 0), -1);
	assert_int_equal(indimp_header("目标值", 0), -1);
	assert_int_equal(indimp_header("name", 0), -1);
	/* targets: year,region,indicator,value and 年份,地区,指标,目标值 */
	assert_int_equal(indimp_header("year", 1), 0);
	assert_int_equal(indimp_header("年份", 1), 0);
	assert_int_equal(indimp_header("region", 1), 1);
	assert_int_equal(indimp_header("地区", 1), 1);
	assert_int_equal(indimp_header("指标", 1), 2);
	assert_int_equal(indimp_header("目标值", 1), 3);
	assert_int_equal(indimp_header("value", 1), 3);
	assert_int_equal(indimp_header("period", 1), -1);
	assert_int_equal(indimp_header("期间", 1), -1);
}

static void test_indicators(void **state)
{
	(void)state;
	assert_string_equal(indimp_indicator("budget_revenue"), "budget_revenue");
	assert_string_equal(indimp_indicator("一般公共预算收入"), "budget_revenue");
	assert_string_equal(indimp_indicator("税收收入"), "tax_revenue");
	assert_string_equal(indimp_indicator("工业应税销售"), "industrial_sales");
	assert_string_equal(indimp_indicator("服务业应税销售"), "service_sales");
	assert_string_equal(indimp_indicator("实际利用外资"), "fdi_utilised");
	assert_string_equal(indimp_indicator("进出口总额"), "trade_total");
	assert_string_equal(indimp_indicator(" FDI_Utilised "), "fdi_utilised");
	assert_null(indimp_indicator("gdp"));
	assert_null(indimp_indicator(""));
	assert_null(indimp_indicator("预算收入"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amount_exact),
		cmocka_unit_test(test_amount_refused),
		cmocka_unit_test(test_amount_xlsx),
		cmocka_unit_test(test_period),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_indicators),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
