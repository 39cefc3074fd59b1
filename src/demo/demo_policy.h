/*
 * demo_policy.h -- the demo's policies (免审即享, 政策推送; issue 10): the
 * three policies of docs/rules.md §11 (研发费用补助 rd-subsidy, 重点企业新增
 * 就业补贴 new-hire, 出口增长奖励 export-growth) with their test cases,
 * published; one batch in each state (closed: new-hire for Y-1, every
 * grant confirmed and paid; rejected: new-hire for Y; approved: the R&D
 * subsidy for Y, three grants confirmed, one declined, the others
 * waiting; pending: the export reward for Y); and the export reward
 * pushed for Y to the enterprises near it.  Y is the clock's year; the
 * facts are demo_facts.c's.
 */
#ifndef ZONEOPS_DEMO_POLICY_H
#define ZONEOPS_DEMO_POLICY_H

#include <stdint.h>

#include "store/store.h"

/* Seed them inside the caller's transaction, after the facts.  0, or -1
 * with *err (malloc'd; err may be NULL: the message goes to stderr). */
int demo_seed_policies(db_t *db, int64_t now, char **err);

#endif
