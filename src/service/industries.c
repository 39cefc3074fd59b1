/*
 * industries.c -- GET /api/v1/industries: the GB/T 4754-2017 classification
 * (core/industry.h), flat, sorted by code, each with its level and parent:
 *   {"standard":"GB/T 4754-2017","items":[{"code":"C","level":1,"name":"制造业",
 *     "parent":null},{"code":"C38","level":2,"name":"电气机械和器材制造业","parent":"C"},..],
 *    "total":1970}
 * Filters: level=N (only that level), max_level=N (levels 1..N; the 门类 and
 * 大类 of a filter are max_level=2), parent=CODE (the children of CODE).
 */
#include "service.h"

#include "core/industry.h"

#include <string.h>

void api_industries(req_t *r)
{
	int64_t level = 0, max_level = 4;
	if (req_query_int(r, "level", 0, 1, 4, &level) < 0 || req_query_int(r, "max_level", 4, 1, 4, &max_level) < 0)
		return;
	const char *parent = req_query(r, "parent");
	if (parent && !*parent)
		parent = NULL;
	if (parent && !industry_find(parent)) {
		reply_error(r, 422, "invalid_parameter", "parent", "parent is a GB/T 4754-2017 code, like C or C38");
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < INDUSTRY_COUNT; i++) {
		const industry_t *e = &INDUSTRY_TABLE[i];
		if ((level && e->level != level) || e->level > max_level || (parent && strcmp(e->parent, parent)))
			continue;
		json_array_append_new(items, json_pack("{s:s,s:i,s:s,s:o}", "code", e->code, "level", e->level, "name",
		                                       e->name, "parent", *e->parent ? json_string(e->parent) : json_null()));
	}
	json_int_t n = (json_int_t)json_array_size(items);
	reply_json(r, 200, json_pack("{s:s,s:o,s:I}", "standard", "GB/T 4754-2017", "items", items, "total", n));
}
