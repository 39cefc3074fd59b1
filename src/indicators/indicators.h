/*
 * indicators.h -- monthly indicator evaluation (指标月度评估): cumulative
 * monthly statistics (1-M月累计) of the zone and the city's other
 * districts, year-on-year growth, ranks, tax share, progress against
 * annual targets, the generated report paragraph and the monthly
 * bulletin.  Owns the tables regions, indicator_values, indicator_targets.
 * Values are exact integers in 万元 (万美元 for fdi_utilised); the API and
 * the files speak 亿元 / 亿美元 with decimals.
 *
 * Files: indicators.c (the month table), evaluation.c (evaluation and the
 * report paragraph), values.c (writing values and targets), import.c
 * (indicator and target files), bulletin.c
 * (zoneops report monthly: md, html, xlsx).
 */
#ifndef ZONEOPS_INDICATORS_H
#define ZONEOPS_INDICATORS_H

#include "http/http.h"

#include <stddef.h>
#include <stdint.h>

void api_indicators(req_t *r);

/* evaluation.c */
void api_indicator_evaluation(req_t *r);   /* GET ?period=YYYY-MM */
void api_indicator_report(req_t *r);       /* GET ?period=YYYY-MM → {"text"} */

/* The indicator catalogue, in report order: budget_revenue 一般公共预算收入
 * 亿元, tax_revenue 税收收入 亿元, industrial_sales 工业应税销售 亿元,
 * service_sales 服务业应税销售 亿元, fdi_utilised 实际利用外资 亿美元,
 * trade_total 进出口总额 亿元. */
enum { IND_BUDGET, IND_TAX, IND_INDUSTRIAL, IND_SERVICE, IND_FDI, IND_TRADE, IND_COUNT };
struct ind_def {
	const char *code, *name, *unit;   /* unit: 亿元 or 亿美元 */
	const char *name_en, *unit_en;
};
extern const struct ind_def ind_catalogue[IND_COUNT];
/* Index of code in ind_catalogue, or -1. */
int ind_find(const char *code);

/* The latest period with values: 1 with year and month set; 0 when there is no
 * value at all; a DB_ error code (< 0) on failure. */
int ind_latest_period(db_t *db, int *year, int *month);

/* One region's figures for one indicator in the evaluated period.  Values
 * are the stored integers (万元; 万美元 for fdi_utilised).  A rank is 1 for
 * the highest, ties share the best rank, 0 when the region has no rank
 * (no value, or no growth). */
struct ind_cell {
	int has_value, has_prev, has_growth, has_target;
	int64_t value, prev, target;       /* prev: (Y-1, M); target: year Y */
	double growth;                      /* percent, unrounded */
	double progress;                    /* value / target in percent, unrounded */
	int rank_total, rank_growth;
};
struct ind_share {                      /* tax share 税占比 = tax / budget */
	int has;
	double share;                       /* percent, unrounded */
	int rank;
};
struct ind_region {
	int64_t id;
	char *name;
	int is_zone;                        /* the regions table's flag */
};
/* The evaluation of period (year, month) over all regions (ordered by
 * regions.sort, id).  cell[k][i] is region i's figures for indicator k;
 * share[i] its tax share. */
struct ind_eval {
	int year, month;
	int nregions;
	struct ind_region *regions;
	int zone;                           /* index of the zone in regions, -1: none */
	struct ind_cell *cell[IND_COUNT];
	struct ind_share *share;
};
/* Evaluate (year, month).  The zone is the region named by the setting
 * zone.name (else the one with is_zone = 1).  Returns DB_OK, or a DB_ error
 * code (e is then empty).  Free with ind_eval_free(). */
int ind_evaluate(db_t *db, int year, int month, struct ind_eval *e);
void ind_eval_free(struct ind_eval *e);

/* The report paragraph for the zone (malloc'd UTF-8; "" when the zone has
 * no value in the period), e.g. "1-10月，南通开发区完成一般公共预算收入
 * 61.8亿元，增长12.8%，增幅列全市第三，其中税占比87%，列全市第二；…。".
 * Ranks up to top (the setting report.top_ranks) are named.  NULL only when
 * out of memory. */
char *ind_report_text(const struct ind_eval *e, int top);
/* The setting report.top_ranks (default 3, at least 1). */
int ind_top_ranks(db_t *db);

/* Number formats of the paragraph, into buf (at least 32 bytes); each
 * rounds half away from zero.  Values: 亿 with at most two decimals,
 * trailing zeros removed ("1485", "61.8", "5.54"). Growth: one decimal,
 * trailing ".0" removed, of |g| (the sign is the caller's: 增长/下降).
 * Ranks: Chinese numerals (一 … 十, 十一 …). */
void ind_fmt_value(char *buf, size_t n, int64_t wan);
void ind_fmt_growth(char *buf, size_t n, int64_t value, int64_t prev);
void ind_fmt_rank(char *buf, size_t n, int rank);
/* Growth rounded to tenths of a percent (signed), half away from zero. */
int64_t ind_growth_permille(int64_t value, int64_t prev);

/* values.c: the one writer of indicator_values and indicator_targets (the
 * importer and the demo).  Each checks a known indicator code, a year in
 * DATE_YEAR_MIN..MAX, a month 1..12 and a value >= 0 (in 万); 0, or -1
 * with err (422, or a database error: 409 for a value that exists or an
 * unknown region). */
/* Delete the values of (year, month), adding their number to *removed. */
int ind_values_clear(db_t *db, int year, int month, int64_t *removed, err_t *err);
int ind_value_insert(db_t *db, int64_t region_id, const char *indicator, int year, int month, int64_t value,
                     err_t *err);
/* Insert or replace a region's annual target; *created: it was new. */
int ind_target_set(db_t *db, int64_t region_id, const char *indicator, int year, int64_t value, int *created,
                   err_t *err);

/* Bulk writing (the importer): the rows, checked as above, go out with the
 * store's db_copy (COPY on PostgreSQL) inside the caller's transaction.
 * Values: new rows straight into indicator_values (their periods cleared
 * first).  Targets: into a temporary staging table, merged by
 * ind_bulk_flush with one INSERT ... SELECT ... ON CONFLICT, *created and
 * *updated counted set-based before the merge.  ind_bulk_flush ends what
 * was added (call it before a commit; also before a rollback: a copy in
 * progress must end); 0, or -1 with err. */
struct ind_bulk {
	db_copy_t *c;
	int targets;
	int64_t staged;
};
int ind_bulk_add(db_t *db, struct ind_bulk *b, int64_t region_id, const char *indicator, int year, int month,
                 int64_t value, err_t *err);
int ind_bulk_flush(db_t *db, struct ind_bulk *b, int64_t *created, int64_t *updated, err_t *err);

/* import.c */
void api_indicators_import(req_t *r);      /* raw CSV/XLSX: period,region,indicator,value */
void api_targets_import(req_t *r);         /* raw CSV/XLSX: year,region,indicator,value */
int cli_import_indicators(int argc, char **argv, db_t *db);
int cli_import_targets(int argc, char **argv, db_t *db);

/* bulletin.c */
void api_indicator_bulletin(req_t *r);     /* GET ?period=&format=md|html|xlsx (download) */
int cli_report_monthly(int argc, char **argv, db_t *db);

#endif
