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
 * report paragraph), import.c (indicator and target files), bulletin.c
 * (zoneops report monthly: md, html, xlsx).
 */
#ifndef ZONEOPS_INDICATORS_H
#define ZONEOPS_INDICATORS_H

#include "http/http.h"

void api_indicators(req_t *r);

/* evaluation.c */
void api_indicator_evaluation(req_t *r);   /* GET ?period=YYYY-MM */
void api_indicator_report(req_t *r);       /* GET ?period=YYYY-MM → {"text"} */

/* import.c */
void api_indicators_import(req_t *r);      /* raw CSV/XLSX: period,region,indicator,value */
void api_targets_import(req_t *r);         /* raw CSV/XLSX: year,region,indicator,value */
int cli_import_indicators(int argc, char **argv, db_t *db);
int cli_import_targets(int argc, char **argv, db_t *db);

/* bulletin.c */
void api_indicator_bulletin(req_t *r);     /* GET ?period=&format=md|html|xlsx (download) */
int cli_report_monthly(int argc, char **argv, db_t *db);

#endif
