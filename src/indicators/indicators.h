/*
 * indicators.h -- monthly indicator evaluation (指标月度评估): cumulative
 * monthly statistics of the zone and the city's other districts.  Owns the
 * tables regions, indicator_values, indicator_targets.  Values are exact
 * integers in 万元 (万美元 for fdi).
 */
#ifndef ZONEOPS_INDICATORS_H
#define ZONEOPS_INDICATORS_H

#include "http/http.h"

void api_indicators(req_t *r);

#endif
