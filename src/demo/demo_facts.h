/*
 * demo_facts.h -- the demo enterprises' yearly facts (年度指标, issue 10).
 *
 * For the three years before the current one (the clock's year Y: Y-3,
 * Y-2, Y-1; in 2026 2023..2025), written with fact_set() after every
 * other demo enterprise exists.  Each enterprise gets revenue, tax_paid,
 * rd_spending, employees, new_employees and high_tech for the years since
 * it was founded, exports when it exports (about a third of the
 * manufacturers and a tenth of the others; customs data lists exporters
 * only, so the others have no exports fact), all derived from its registry
 * (industry, size, key) by a fixed hash: the same on every run.  Some
 * ordinary enterprises have not reported their latest year's revenue and
 * tax yet.  For the per-mu evaluation (亩均效益, issue 11) each also gets
 * value_added, energy_tce and emissions_t derived from its revenue (about
 * one in thirty without energy_tce or emissions_t, so that the 黄岩 rule
 * shows).
 *
 * Nine enterprises carry designed figures so that each demo policy of
 * docs/rules.md §11, evaluated for Y (and for Y-1), has eligible,
 * ineligible, near (exactly one clause false, none unknown) and unknown
 * (a fact missing) enterprises:
 *
 *                        R&D subsidy   new-hire subsidy   export reward
 *   江苏恒太照明 (key)     eligible      eligible           near
 *   上海朗股科技 (key)     near          eligible           eligible
 *   南通星源材质 (key)     unknown       unknown            eligible (cap 100)
 *   南通晟斯生物 (key)     eligible      eligible           ineligible
 *   1st generated key     ineligible    ineligible         unknown
 *   2nd generated key     eligible      near (new hires)   near
 *   1st generated other   near (R&D)    near (not key)     (no exports)
 *   2nd generated other   near (tax)    ineligible         near
 *   3rd generated other   unknown (tax) ineligible         eligible
 *
 * For Y the figures of docs/rules.md §11 appear: 恒太 R&D 850.5 of revenue
 * 12000 with tax 300 (85.05), 晟斯 100.05 of 1000 (10.005 -> 10.01), 朗股
 * 120 of 8000 (near), 朗股 exports 1000 -> 1380 (26.60), 恒太 1000 -> 1100
 * (near), 星源 2000 -> 5000 (100.00), 恒太 25 new hires (7.50).
 */
#ifndef ZONEOPS_DEMO_FACTS_H
#define ZONEOPS_DEMO_FACTS_H

#include <stdint.h>

#include "store/store.h"

#define DEMO_FACT_YEARS 3       /* Y-3 .. Y-1 */

/* Seed the facts inside the caller's transaction; now gives Y.  0, or -1
 * with *err (malloc'd; err may be NULL, then the message goes to
 * stderr). */
int demo_seed_facts(db_t *db, int64_t now, char **err);

#endif
