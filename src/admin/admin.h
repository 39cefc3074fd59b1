/*
 * admin.h -- zone settings and the organisation's reference lists
 * (investment units, streets, departments), health and the overview
 * summary.  Owns the tables settings, units, streets, departments; adds
 * regions (the statistics' districts) for the indicators module.
 */
#ifndef ZONEOPS_ADMIN_H
#define ZONEOPS_ADMIN_H

#include "http/http.h"

/* Known setting keys and their defaults; NULL-terminated. */
struct setting_def {
	const char *key, *dflt, *help;
};
extern const struct setting_def setting_defs[];

/* Value of key (malloc'd), the default when unset; NULL for unknown keys. */
char *setting_get(db_t *db, const char *key);
/* Set key; -1 with *msg for unknown keys or bad values. */
int setting_set(db_t *db, const char *key, const char *value, const char **msg);

void api_healthz(req_t *r);
void api_settings_get(req_t *r);
void api_settings_patch(req_t *r);
void api_units(req_t *r);
void api_streets(req_t *r);
void api_departments(req_t *r);
void api_streets_create(req_t *r);
void api_departments_create(req_t *r);
void api_summary(req_t *r);
void api_regions(req_t *r);
void api_regions_create(req_t *r);

#endif
