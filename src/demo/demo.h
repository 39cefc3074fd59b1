/*
 * demo.h -- the demonstration data set of zoneops, modelled on the 2021
 * Nantong Daily report on the Nantong Economic & Technological Development
 * Zone (the product's seed article), moved to 2025-2026.
 *
 * Owns: the demo seeding of a fresh database (settings, the "4+2" units,
 * streets, departments, users of every role, 300 enterprises with their
 * search grams and officer assignments, 63 projects (written by
 * demo_race.c after their leads), the city's regions and two years of
 * monthly cumulative indicators with the zone's 2026 targets, and the
 * enterprises' yearly facts of the three years before the clock's (written
 * by demo_facts.c), and the three policies of docs/rules.md §11 with a
 * batch in each state and a push (demo_policy.c)).  It writes
 * nothing itself: every row goes through the function the API, the CLI or
 * an importer writes it with, so each table has one writer.  On
 * PostgreSQL it does so in a private in-memory SQLite database and moves
 * the result with one COPY per table (db_transfer; docs/ARCHITECTURE.md,
 * "One writer per table").  The credit codes it makes are checked by
 * core/creditcode.c.
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

#endif
