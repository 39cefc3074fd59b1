/*
 * demo.h -- the demonstration data set of zoneops, modelled on the 2021
 * Nantong Daily report on the Nantong Economic & Technological Development
 * Zone (the product's seed article), moved to 2025-2026.
 *
 * Owns: the demo seeding of a fresh database (settings, the "4+2" units,
 * streets, departments, users of every role, 300 enterprises with their
 * search grams and officer assignments, ~60 projects, the city's regions
 * and two years of monthly cumulative indicators with the zone's 2026
 * targets).  The credit codes it makes
 * come from service/creditcode.c.
 */
#ifndef ZONEOPS_DEMO_H
#define ZONEOPS_DEMO_H

#include <stddef.h>

#include "store/store.h"

/* Seed the demo data when the users table is empty, in one transaction.
 * Returns 1 and writes the admin's random one-time password (16 chars,
 * NUL-terminated; cap must be >= 17) to admin_password; 0 when the
 * database already has users (nothing done); -1 on error with *err set
 * (malloc'd; err may be NULL), nothing written.  Every non-admin demo user
 * has the password DEMO_PASSWORD.  The content is the same on every run
 * except the admin password and the created_at/updated_at timestamps. */
#define DEMO_PASSWORD "demo-password"
int demo_seed(db_t *db, char *admin_password, size_t cap, char **err);

/* Defined in core/creditcode.c (declared in core/core.h too).
 * 1 when code is a valid 18-character unified social credit code:
 * characters from "0123456789ABCDEFGHJKLMNPQRTUWXY" (upper case, no I, O,
 * S, V, Z), a known registration authority (position 1) and type
 * (position 2), a 6-digit division code (3-8), an organisation code with
 * its GB 11714 check digit (9-17), and the GB 32100 check character (18).
 * Otherwise 0. */
int credit_code_check(const char *code);

#endif
