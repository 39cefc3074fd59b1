/*
 * race_util.h -- helpers shared by the race files and the demo (demo_race.c).
 *
 * Amounts: the API speaks 亿元 / 亿美元; the tables store integer 万元 /
 * 万美元.  A JSON number is converted exactly: an integer n gives n*10000;
 * a real x must have at most 4 decimals, checked by the round trip
 * w = llround(x*10000), (double)w/10000 == x (both sides are the double
 * nearest to the written decimal, so this accepts exactly the decimals
 * with <= 4 places and refuses e.g. 1.23456).  Text (CSV/XLSX cells) is
 * parsed digit by digit, no floating point at all.
 *
 * Validate-and-insert functions (used by the API handlers, by import.c and
 * by the demo): each returns 0 and the new id, or -1 with *err filled
 * (status 422 with the field, 403 when the actor may not write that
 * record, 500 on a database error -- on PostgreSQL the transaction is then
 * aborted).  actor NULL skips the permission checks (CLI import).  now
 * (unix seconds) stamps created_at / updated_at: the API passes now_sec(),
 * the demo its own time.  Nothing is written on -1 except possibly on a
 * database error (roll back the transaction).
 */
#ifndef ZONEOPS_RACE_UTIL_H
#define ZONEOPS_RACE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "http/http.h"

/* The longest trip one record may hold (外出招商); longer ones are entered in
 * parts.  Bounds the trips query of race_quota(). */
#define TRIP_MAX_DAYS 62

/* ---- amounts ---- */
/* JSON number in 亿 → 万, exact (see above).  0 ok; -1 with err (field
 * named): not a number, more than 4 decimals, negative, too large. */
int race_yi_json(json_t *v, const char *field, int64_t *wan, err_t *err);
/* Decimal text in 亿 ("12", "1.2345", " 0.5 ") → 万, exact; same errors. */
int race_yi_text(const char *s, const char *field, int64_t *wan, err_t *err);
/* A non-negative whole amount (万元, e.g. expected_annual_tax) from a JSON
 * number (a real must be integral) or text. */
int race_wan_json(json_t *v, const char *field, int64_t *wan, err_t *err);
int race_wan_text(const char *s, const char *field, int64_t *wan, err_t *err);
/* 万 → 亿 as a JSON real (exact decimal up to the double). */
json_t *race_wan_to_yi(int64_t wan);

/* ---- stage ---- */
/* producing if producing_on, else started if started_on, else landed if
 * landed_on, else signed if signed_on, else negotiating if has_lead or
 * negotiating, else lead.  Empty string or NULL = no date. */
const char *race_stage(const char *signed_on, const char *landed_on, const char *started_on,
                       const char *producing_on, int has_lead, int negotiating);

/* ---- company names ---- */
/* The duplicate-detection key of a company name: spaces removed (ASCII
 * and U+3000), full-width ASCII folded to half-width, ASCII lower case,
 * the bracket characters ( ) （ ） [ ] 【 】 removed (their content kept),
 * then the suffixes 股份有限公司, 有限责任公司, 有限公司, 集团, 公司
 * stripped repeatedly from the end.  out needs strlen(name)+1 bytes. */
void race_company_key(const char *name, char *out, size_t outlen);

/* ---- records ---- */
struct lead_in {
	int64_t unit_id, recruiter_id;      /* recruiter 0: the actor when a recruiter */
	const char *company, *credit_code, *industry, *captured_on, *notes;
	int64_t est_investment_wan;
	int qualified;                      /* -1 unset (pending), 0 rejected, 1 qualified */
	/* industry: "" or a GB/T 4754-2017 code (validating normalises it; 422
	 * invalid, field industry, reason unknown_industry or renumbered);
	 * industry_kept 1: an edit keeps the stored one, not checked again */
	int industry_kept;
};
/* Validate and insert one lead; duplicate detection sets *duplicate_of
 * (0 when none) and *dup_unit_id (the first claimer's unit). */
int lead_insert(db_t *db, const user_t *actor, struct lead_in *in, int64_t now, int64_t *id,
                int64_t *duplicate_of, int64_t *dup_unit_id, err_t *err);
/* Lead id's stored fields into *in (strings in a) and its creator into
 * *created_by (for the record only: creating a lead gives no right to it):
 * DB_ROW found, DB_DONE no such lead, or a DB_ error. */
int lead_read(db_t *db, arena_t *a, int64_t id, struct lead_in *in, int64_t *created_by);
/* 1 when actor may see a lead of unit_id: an admin or a leader any, a
 * recruiter its own unit's (the API answers 404 otherwise, as the list's
 * scope). */
int lead_may_read(const user_t *actor, int64_t unit_id);
/* 1 when actor may edit a lead whose stored fields are old: see
 * race_may_record (its current recruiter, its unit's leader, an admin). */
int lead_may_edit(const user_t *actor, const struct lead_in *old);
/* Replace lead id's fields by in's (old from lead_read), every check with
 * the actor's own role and unit (NULL: none, for the CLI):
 *   - lead_may_edit on the stored lead (403 forbidden);
 *   - a qualified or rejected lead is frozen: only race_may_lead of its
 *     unit changes it (else 409 lead_frozen, param status), and only with
 *     a written reason (race_reason_check: 422 field reason) when
 *     something changes;
 *   - a change of status only by race_may_lead of the unit (403, field
 *     status);
 *   - lead_validate (the actor's rights over the new unit and recruiter:
 *     moving a lead is for whoever may lead both units), then
 *     race_may_record on the changed lead (403), the duplicate found
 *     again, updated_at = now.
 * before (may be NULL) gets a new object of the changed fields' stored
 * values (NULL when nothing changed), for the audit log. */
int lead_update(db_t *db, const user_t *actor, int64_t id, const struct lead_in *old, struct lead_in *in,
                const char *reason, int64_t now, json_t **before, err_t *err);
/* The checks of lead_insert without the insert (also for PATCH: self_id
 * is the lead being edited, 0 for a new one; only leads created before
 * it can make it a duplicate).  Normalises in->credit_code (static buffer
 * owned by in: pass a writable code_buf of 32 bytes) and fills key_buf
 * with the company key. */
int lead_validate(db_t *db, const user_t *actor, struct lead_in *in, int64_t self_id,
                  char code_buf[32], char *key_buf, size_t key_len,
                  int64_t *duplicate_of, int64_t *dup_unit_id, err_t *err);
/* The units and people the checks look up, when the caller holds them (an
 * import loads them once): unit_exists 1 or 0; person 1 (role and unit
 * filled) or 0.  NULL: the checks ask the database. */
struct lead_ref {
	int64_t unit_id, recruiter_id;      /* recruiter_id 0: none */
	char captured_on[11];
};
struct race_refs {
	int (*unit_exists)(void *ud, int64_t id);
	int (*person)(void *ud, int64_t id, char role[16], int64_t *unit_id);
	/* a lead by id: 1, 0 (none), -1 (database); NULL: the database */
	int (*lead)(void *ud, int64_t id, struct lead_ref *out);
	void *ud;
};
/* lead_validate without the duplicate search (the same errors, in the same
 * order), looking units and people up in refs. */
int lead_check(db_t *db, const struct race_refs *refs, const user_t *actor, struct lead_in *in,
               char code_buf[32], char *key_buf, size_t key_len, err_t *err);

/* Many new leads in bulk (the import): lead_bulk_add checks a lead with
 * lead_check and keeps it (copied) in b; lead_bulk_flush, called every
 * LEAD_BULK_FLUSH leads and before a commit or rollback, writes the kept
 * leads with db_copy, finding their duplicates set-based: the first claims
 * of their companies' keys and credit codes (one query for the batch, over
 * a temporary table of the keys), then the batch in order in memory, so
 * that a lead of the file is a duplicate of an earlier one exactly as when
 * they were inserted one by one (lead_insert).  *duplicates counts the
 * leads written as duplicates.  0, or -1 with err (a database error). */
#define LEAD_BULK_FLUSH 10000
struct lead_bulk;
struct lead_bulk *lead_bulk_new(void);
void lead_bulk_free(struct lead_bulk *b);
int lead_bulk_add(db_t *db, struct lead_bulk *b, const struct race_refs *refs, const user_t *actor, struct lead_in *in,
                  int64_t now, int64_t *duplicates, err_t *err);
int lead_bulk_flush(db_t *db, struct lead_bulk *b, int64_t *duplicates, err_t *err);
/* ---- who may do what: the race's rules ----
 * Each takes the caller as it is (role and unit, never borrowed rights);
 * actor NULL is the system (CLI import, demo): allowed. */
/* Acting as unit_id's leader (targets, qualifying, changing a frozen
 * lead, moving records between units): an admin, the unit's leader, a
 * leader bound to no unit (区领导). */
int race_may_lead(const user_t *actor, int64_t unit_id);
/* Recording for unit_id: race_may_lead, or a recruiter of the unit. */
int race_may_unit(const user_t *actor, int64_t unit_id);
/* Changing a record (lead, project) of unit_id whose recruiter is
 * recruiter_id: race_may_lead, or that recruiter while it belongs to the
 * unit.  Creating a record gives no right to it. */
int race_may_record(const user_t *actor, int64_t unit_id, int64_t recruiter_id);
/* Publishing the month's race (the zone's act): an admin or a leader
 * bound to no unit. */
int race_may_publish(const user_t *actor);
/* A written reason (changing a frozen lead, withdrawing a publication):
 * 0, or -1 with err 422 field "reason": required when blank, invalid
 * (param reason text, max) above RACE_REASON_MAX characters or with
 * control characters, invalid (reason too_short, min) below
 * RACE_REASON_MIN. */
#define RACE_REASON_MIN 4
#define RACE_REASON_MAX 500
int race_reason_check(const char *reason, err_t *err);

struct project_in {
	const char *name, *industry, *signed_on, *landed_on, *started_on, *producing_on;
	int64_t unit_id, lead_id, recruiter_id;   /* 0 unset */
	int64_t total_investment_wan, foreign_investment_wan_usd, expected_annual_tax_wan;
	double land_mu;
	int negotiating;                    /* 1: stage negotiating without a lead */
	int industry_kept;                  /* as struct lead_in's */
	/* without a lead: the day the project's first information came (the
	 * demo's history; the API and the import leave it NULL, and then a
	 * project without a lead has no lead_on) */
	const char *lead_on;
	/* the day talks began (洽谈): puts a project without a lead into
	 * negotiating; "" or NULL none */
	const char *negotiating_on;
};
int project_insert(db_t *db, const user_t *actor, struct project_in *in, int64_t now, int64_t *id, err_t *err);
/* The checks of project_insert (also for PATCH); fills lead_on (the
 * lead's captured_on, else in->lead_on, else ""), the derived stage and
 * the enterprise to link (0 when none or not landed yet). */
int project_validate(db_t *db, const user_t *actor, struct project_in *in, char lead_on[11],
                     const char **stage, int64_t *enterprise_id, err_t *err);
/* project_validate without the enterprise link (the same errors, in the
 * same order), looking units, people and leads up in refs. */
int project_check(db_t *db, const struct race_refs *refs, const user_t *actor, struct project_in *in,
                  char lead_on[11], const char **stage, err_t *err);
/* Many new projects in bulk (the import): project_bulk_add checks a
 * project with project_check and stages it (db_copy into a temporary
 * table); project_bulk_flush, called every PROJECT_BULK_FLUSH projects and
 * before a commit or rollback, writes the staged projects into projects in
 * the file's order with one INSERT ... SELECT, linking the landed ones to
 * the registry set-based as project_validate links one.  project_bulk_lead
 * is a race_refs lead look-up: the leads read in blocks of ids, one query
 * a block (project_bulk_forget drops them, e.g. for a new transaction). */
#define PROJECT_BULK_FLUSH 10000
struct project_bulk;
struct project_bulk *project_bulk_new(db_t *db);
void project_bulk_free(struct project_bulk *b);
void project_bulk_forget(struct project_bulk *b);
int project_bulk_lead(struct project_bulk *b, int64_t id, struct lead_ref *out);
int project_bulk_add(db_t *db, struct project_bulk *b, const struct race_refs *refs, const user_t *actor,
                     struct project_in *in, int64_t now, err_t *err);
int project_bulk_flush(db_t *db, struct project_bulk *b, err_t *err);

struct trip_in {
	int64_t user_id;                    /* 0: the actor */
	const char *start_on, *end_on, *destination, *companies;
	int64_t visits;
};
int trip_insert(db_t *db, const user_t *actor, struct trip_in *in, int64_t now, int64_t *id, err_t *err);
int trip_validate(db_t *db, const user_t *actor, struct trip_in *in, err_t *err);
/* trip_validate looking the person up in refs (NULL: the database). */
int trip_check(db_t *db, const struct race_refs *refs, const user_t *actor, struct trip_in *in, err_t *err);
/* Many new trips in bulk (the import): each checked with trip_check and
 * written into the copy *c (begun at the first); trip_copy_end ends it
 * (before a commit or rollback).  0, or -1 with err. */
int trip_copy_add(db_t *db, db_copy_t **c, const struct race_refs *refs, const user_t *actor, struct trip_in *in,
                  int64_t now, err_t *err);
int trip_copy_end(db_t *db, db_copy_t **c, err_t *err);

/* ---- units and their annual targets (units.c; admin's routes) ---- */
struct unit_in {
	const char *code, *name, *name_en, *kind;   /* kind bureau|company */
	int64_t sort;
};
/* Validate (name required, kind, code not empty, name and code unique)
 * and insert; code NULL makes one ("u<n>"), sort 0 puts the unit last. */
int unit_create(db_t *db, const struct unit_in *in, int64_t *id, err_t *err);
/* Validate as unit_create and replace unit id's fields by in's (all given). */
int unit_update(db_t *db, int64_t id, const struct unit_in *in, err_t *err);
/* The unit of a code, or 0. */
int64_t unit_id_by_code(db_t *db, const char *code);

struct unit_target {
	int64_t unit_id;
	int year;
	int64_t signed_investment_wan, landed_projects, leads;
};
/* Validate (race_may_lead of the unit, else 403 forbidden field unit_id;
 * a year, non-negative targets, an existing unit) and set the unit's
 * targets of the year.  actor NULL: the system.  0, or -1 with err. */
int unit_target_set(db_t *db, const user_t *actor, const struct unit_target *t, err_t *err);

/* ---- quotas ---- */
#define RACE_RECRUITER_DAYS 15      /* recruiter: days out per month */
#define RACE_LEADER_VISITS 5        /* leader: visits per month */
#define RACE_GAP_WORKDAYS 10        /* consecutive working days without a day out */
struct race_quota {
	int64_t user_id, unit_id;
	char name[128];
	char role[16];                      /* "leader" | "recruiter" */
	int days_out, visits, quota_met, gap;
	char gap_from[11], gap_to[11];      /* "" when no gap */
};
/* Every leader and recruiter (of unit_id, or all when 0), ordered by
 * unit, role (leader first), id: days out within month (calendar days
 * covered by the person's trips, overlaps once), visits of trips starting
 * in the month, quota met, and for recruiters the first run of >= 10
 * consecutive working days (calendar_is_workday) without a day out within
 * the month up to today.  *out is malloc'd (free it).  Returns 0 or -1 on
 * a database error / bad month. */
int race_quota(db_t *db, const char *month, int64_t unit_id, struct race_quota **out, size_t *n);

#endif
