/*
 * service.h -- enterprise service: the enterprise registry (keyed by the
 * unified social credit code) with its chief service officer and
 * department/street links.  Owns the table enterprises.
 *
 * Scoping: an enterprise-role user sees only its own enterprise; every
 * handler here goes through enterprise_visible().
 */
#ifndef ZONEOPS_SERVICE_H
#define ZONEOPS_SERVICE_H

#include "http/http.h"

/* 1 when r's caller may see enterprise id. */
int enterprise_visible(req_t *r, int64_t id);

void api_enterprises_list(req_t *r);
void api_enterprise_get(req_t *r);

#endif
