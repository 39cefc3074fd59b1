/* race_util.c -- amounts, dates, stages, company keys, record validation
 * and insertion, and the monthly quota computation (see race_util.h). */
#include "race_util.h"
#include "race.h"
#include "admin/admin.h"
#include "core/industry.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- amounts ---- */

#define MAX_WAN ((int64_t)1 << 52)

int race_yi_json(json_t *v, const char *field, int64_t *wan, err_t *err)
{
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		if (n < 0)
			return err_set(err, 422, "negative_amount", field, "%s must not be negative", field);
		if (n > MAX_WAN / 10000)
			return err_set(err, 422, "out_of_range", field, "%s is too large", field);
		*wan = (int64_t)n * 10000;
		return 0;
	}
	if (json_is_real(v)) {
		double x = json_real_value(v);
		if (x < 0)
			return err_set(err, 422, "negative_amount", field, "%s must not be negative", field);
		if (!(x * 10000 < (double)MAX_WAN))
			return err_set(err, 422, "out_of_range", field, "%s is too large", field);
		long long w = llround(x * 10000);
		if ((double)w / 10000 != x)
			return err_set(err, 422, "too_many_decimals", field,
			                 "%s has more than 4 decimals (亿 to 万 must be exact)", field);
		*wan = w;
		return 0;
	}
	if (json_is_string(v))
		return race_yi_text(json_string_value(v), field, wan, err);
	return err_set(err, 422, "invalid_type", field, "%s must be a number", field);
}

/* Parse decimal text into an integer scaled by 10^scale. */
static int decimal_text(const char *s, int scale, const char *field, int64_t *out, err_t *err)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-') {
		const char *q = s + 1;
		if ((*q >= '0' && *q <= '9') || *q == '.')
			return err_set(err, 422, "negative_amount", field, "%s must not be negative", field);
	}
	if (*s == '+')
		s++;
	int64_t v = 0;
	int digits = 0, dec = -1;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			if (dec >= 0 && ++dec > scale)
				return err_set(err, 422, "too_many_decimals", field, "%s has more than %d decimals", field, scale);
			if (v > MAX_WAN / 10)
				return err_set(err, 422, "out_of_range", field, "%s is too large", field);
			v = v * 10 + (*s - '0');
			digits++;
		} else if (*s == '.' && dec < 0) {
			dec = 0;
		} else if (*s == ' ' || *s == '\t') {
			const char *q = s;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q)
				goto bad;
			break;
		} else {
			goto bad;
		}
	}
	if (digits == 0)
		goto bad;
	for (int i = dec < 0 ? 0 : dec; i < scale; i++) {
		if (v > MAX_WAN / 10)
			return err_set(err, 422, "out_of_range", field, "%s is too large", field);
		v *= 10;
	}
	*out = v;
	return 0;
bad:
	return err_set(err, 422, "invalid_type", field, "%s must be a number", field);
}

int race_yi_text(const char *s, const char *field, int64_t *wan, err_t *err)
{
	return decimal_text(s ? s : "", 4, field, wan, err);
}

int race_wan_text(const char *s, const char *field, int64_t *wan, err_t *err)
{
	return decimal_text(s ? s : "", 0, field, wan, err);
}

int race_wan_json(json_t *v, const char *field, int64_t *wan, err_t *err)
{
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return err_set(err, 422, "negative_amount", field, "%s must not be negative", field);
		*wan = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		double x = json_real_value(v);
		if (x < 0)
			return err_set(err, 422, "negative_amount", field, "%s must not be negative", field);
		if (!(x < (double)MAX_WAN) || x != floor(x))
			return err_set(err, 422, "invalid_type", field, "%s must be a whole number of 万元", field);
		*wan = (int64_t)x;
		return 0;
	}
	if (json_is_string(v))
		return race_wan_text(json_string_value(v), field, wan, err);
	return err_set(err, 422, "invalid_type", field, "%s must be a number", field);
}

json_t *race_wan_to_yi(int64_t wan)
{
	if (wan % 10000 == 0)
		return json_integer(wan / 10000);
	return json_real((double)wan / 10000);
}

/* ---- dates ---- */

/* ---- stage ---- */

static int has(const char *s) { return s && *s; }

const char *race_stage(const char *signed_on, const char *landed_on, const char *started_on,
                       const char *producing_on, int has_lead, int negotiating)
{
	if (has(producing_on)) return "producing";
	if (has(started_on)) return "started";
	if (has(landed_on)) return "landed";
	if (has(signed_on)) return "signed";
	if (has_lead || negotiating) return "negotiating";
	return "lead";
}

/* ---- company keys ---- */

static int ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n > k && memcmp(s + n - k, suf, k) == 0;
}

void race_company_key(const char *name, char *out, size_t outlen)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)(name ? name : "");
	while (*p && o + 4 < outlen) {
		unsigned c = *p;
		size_t len = 1;
		unsigned cp = c;
		if (c >= 0xF0 && p[1] && p[2] && p[3]) {
			len = 4; cp = ((c & 7u) << 18) | ((p[1] & 63u) << 12) | ((p[2] & 63u) << 6) | (p[3] & 63u);
		} else if (c >= 0xE0 && p[1] && p[2]) {
			len = 3; cp = ((c & 15u) << 12) | ((p[1] & 63u) << 6) | (p[2] & 63u);
		} else if (c >= 0xC0 && p[1]) {
			len = 2; cp = ((c & 31u) << 6) | (p[1] & 63u);
		}
		if (cp >= 0xFF01 && cp <= 0xFF5E)
			cp -= 0xFEE0;                           /* full-width ASCII */
		if (cp == 0x3000 || cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
		    cp == '(' || cp == ')' || cp == '[' || cp == ']' || cp == 0x3010 || cp == 0x3011) {
			p += len;
			continue;
		}
		if (cp < 0x80) {
			char ch = (char)cp;
			if (ch >= 'A' && ch <= 'Z')
				ch = (char)(ch - 'A' + 'a');
			out[o++] = ch;
		} else if (cp == c || len == 1) {
			out[o++] = (char)c;
		} else {
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
	}
	out[o] = '\0';
	static const char *const suffixes[] = { "股份有限公司", "有限责任公司", "有限公司", "集团", "公司", NULL };
	for (int again = 1; again;) {
		again = 0;
		for (int i = 0; suffixes[i]; i++)
			if (ends_with(out, o, suffixes[i])) {
				o -= strlen(suffixes[i]);
				out[o] = '\0';
				again = 1;
				break;
			}
	}
}

/* ---- permissions: the race's rules (see race_util.h) ---- */

int race_may_lead(const user_t *actor, int64_t unit_id)
{
	if (actor == NULL || (actor->role_bit & ROLE_ADMIN))
		return 1;
	return (actor->role_bit & ROLE_LEADER) && (actor->unit_id == 0 || actor->unit_id == unit_id);
}

int race_may_unit(const user_t *actor, int64_t unit_id)
{
	if (race_may_lead(actor, unit_id))
		return 1;
	return (actor->role_bit & ROLE_RECRUITER) && actor->unit_id != 0 && actor->unit_id == unit_id;
}

int race_may_record(const user_t *actor, int64_t unit_id, int64_t recruiter_id)
{
	if (race_may_lead(actor, unit_id))
		return 1;
	return (actor->role_bit & ROLE_RECRUITER) && actor->unit_id != 0 && actor->unit_id == unit_id &&
	       recruiter_id == actor->id;
}

int race_may_publish(const user_t *actor)
{
	return actor == NULL || (actor->role_bit & ROLE_ADMIN) || ((actor->role_bit & ROLE_LEADER) && actor->unit_id == 0);
}

int race_reason_check(const char *reason, err_t *err)
{
	if (text_is_blank(reason))
		return err_set(err, 422, "required", "reason", "give a written reason");
	if (!text_ok(reason, RACE_REASON_MAX, 1))
		return err_set(err, 422, "invalid", "reason", "the reason has at most %d characters and no control characters",
		               RACE_REASON_MAX), err_param(err, "reason", "text"), err_param(err, "max", "%d", RACE_REASON_MAX);
	if (utf8_len(reason) < RACE_REASON_MIN)
		return err_set(err, 422, "invalid", "reason", "give a written reason of at least %d characters",
		               RACE_REASON_MIN), err_param(err, "reason", "too_short"), err_param(err, "min", "%d", RACE_REASON_MIN);
	return 0;
}

/* A person of the race: 1 found (role and unit filled), 0 not, -1 error. */
static int person(db_t *db, int64_t id, char role[16], int64_t *unit_id)
{
	db_stmt_t *st = db_prepare(db, "SELECT role, COALESCE(unit_id, 0) FROM users WHERE id = $1");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(role, 16, "%s", db_col_text(st, 0));
		*unit_id = db_col_int(st, 1);
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

static int unit_exists(db_t *db, int64_t id)
{
	db_stmt_t *st = db_prepare(db, "SELECT 1 FROM units WHERE id = $1");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

static int check_unit(db_t *db, const struct race_refs *refs, int64_t unit_id, err_t *err)
{
	if (unit_id <= 0)
		return err_set(err, 422, "required", "unit_id", "unit_id is required");
	int u = refs ? refs->unit_exists(refs->ud, unit_id) : unit_exists(db, unit_id);
	if (u < 0)
		return db_fail(err, db, DB_ERR, "reading units");
	if (u == 0)
		return err_set(err, 422, "unknown_unit", "unit_id", "unit %lld does not exist", (long long)unit_id);
	return 0;
}

/* recruiter_id (when set) must be a recruiter or leader of unit_id. */
static int check_recruiter(db_t *db, const struct race_refs *refs, int64_t rid, int64_t unit_id, err_t *err)
{
	if (rid == 0)
		return 0;
	char role[16];
	int64_t uu = 0;
	int p = refs ? refs->person(refs->ud, rid, role, &uu) : person(db, rid, role, &uu);
	if (p < 0)
		return db_fail(err, db, DB_ERR, "reading users");
	if (p == 0 || (strcmp(role, "recruiter") != 0 && strcmp(role, "leader") != 0))
		return err_set(err, 422, "invalid_recruiter", "recruiter_id", "user %lld is not a recruiter or leader",
		                 (long long)rid);
	if (uu != unit_id)
		return err_set(err, 422, "invalid_recruiter", "recruiter_id", "user %lld is not a member of unit %lld",
		                 (long long)rid, (long long)unit_id);
	return 0;
}

/* ---- leads ---- */

/* The first claim (a lead that is neither a duplicate nor rejected) by
 * another unit than unit_id, created before self_id when that is not 0, of
 * leads whose col (company_key or credit_code) is v: each unit's first
 * claim is one seek in the partial index leads_claim_key / leads_claim_code
 * (migration 9), so the check costs the same however many leads the
 * company already has -- in a unit's own import of thousands of rows of
 * one company too.  *at, *dup and *dup_unit of the earlier of it and what
 * they hold (*dup 0: none).  0, or -1 on a database error. */
static int first_claim(db_t *db, const char *sql, int64_t unit_id, const char *v, int64_t self_id, int64_t *at,
                       int64_t *dup, int64_t *dup_unit)
{
	db_stmt_t *st = db_prepare(db, sql);
	db_bind_int(st, 1, unit_id);
	db_bind_text(st, 2, v);
	db_bind_int(st, 3, self_id);
	int rc = db_step(st);
	if (rc == DB_ROW && (*dup == 0 || db_col_int(st, 2) < *at || (db_col_int(st, 2) == *at && db_col_int(st, 0) < *dup))) {
		*dup = db_col_int(st, 0);
		*dup_unit = db_col_int(st, 1);
		*at = db_col_int(st, 2);
	}
	db_done(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

/* The per-unit seeks of first_claim() for column COL; each unit's first
 * claim by created_at and id, the earliest of them first.  Simple enough
 * for PostgreSQL to keep one generic plan of it. */
#define FIRST_CLAIM_SQL(COL) \
	"SELECT id, unit_id, at FROM (SELECT u.id AS unit_id," \
	"  (SELECT k.created_at FROM leads k WHERE k." COL " = $2 AND k.unit_id = u.id AND k.duplicate_of IS NULL" \
	"    AND k.status <> 'rejected' AND (CAST($3 AS BIGINT) = 0 OR k.id < $3) ORDER BY k.created_at, k.id LIMIT 1) AS at," \
	"  (SELECT k.id FROM leads k WHERE k." COL " = $2 AND k.unit_id = u.id AND k.duplicate_of IS NULL" \
	"    AND k.status <> 'rejected' AND (CAST($3 AS BIGINT) = 0 OR k.id < $3) ORDER BY k.created_at, k.id LIMIT 1) AS id" \
	" FROM units u WHERE u.id <> $1) claims WHERE id IS NOT NULL ORDER BY at, id LIMIT 1"

/* The first claim of the company by its key or by its credit code. */
static int lead_first_claim(db_t *db, int64_t unit_id, const char *code, const char *key, int64_t self_id,
                            int64_t *dup, int64_t *dup_unit)
{
	int64_t at = 0;
	if (first_claim(db, FIRST_CLAIM_SQL("company_key"), unit_id, key, self_id, &at, dup, dup_unit) < 0)
		return -1;
	if (*code && first_claim(db, FIRST_CLAIM_SQL("credit_code"), unit_id, code, self_id, &at, dup, dup_unit) < 0)
		return -1;
	return 0;
}

/* A lead's or a project's industry: "" or a GB/T 4754-2017 code, made the
 * table's own (normalised); a stored code an edit leaves as it is (kept) is
 * not checked again, so a record written before the check stays editable. */
static int check_industry(const char **industry, int kept, err_t *err)
{
	if (kept)
		return 0;
	const char *code = industry_code(*industry, err);
	if (code == NULL)
		return -1;
	*industry = code;
	return 0;
}

int lead_check(db_t *db, const struct race_refs *refs, const user_t *actor, struct lead_in *in,
               char code_buf[32], char *key_buf, size_t key_len, err_t *err)
{
	if (in->company == NULL || *in->company == '\0')
		return err_set(err, 422, "required", "company", "company is required");
	if (in->unit_id == 0 && actor && actor->unit_id && !(actor->role_bit & ROLE_ADMIN))
		in->unit_id = actor->unit_id;
	if (check_unit(db, refs, in->unit_id, err) < 0)
		return -1;
	if (in->captured_on == NULL || *in->captured_on == '\0')
		return err_set(err, 422, "required", "captured_on", "captured_on is required");
	if (date_parse(in->captured_on, NULL) != DATE_OK)
		return err_set(err, 422, "invalid_date", "captured_on", "captured_on must be a date YYYY-MM-DD");
	if (in->est_investment_wan < 0)
		return err_set(err, 422, "negative_amount", "est_investment", "est_investment must not be negative");
	if (check_industry(&in->industry, in->industry_kept, err) < 0)
		return -1;
	if (in->recruiter_id == 0 && actor && (actor->role_bit & ROLE_RECRUITER))
		in->recruiter_id = actor->id;
	if (actor && !race_may_unit(actor, in->unit_id))
		return err_set(err, 403, "forbidden", "unit_id", "you may not record leads for this unit");
	if (actor && (actor->role_bit & ROLE_RECRUITER) && in->recruiter_id != actor->id)
		return err_set(err, 403, "forbidden", "recruiter_id", "a recruiter records only its own leads");
	if (check_recruiter(db, refs, in->recruiter_id, in->unit_id, err) < 0)
		return -1;
	if (in->credit_code && *in->credit_code) {
		if (credit_code_normalise(in->credit_code, code_buf, 32, err) < 0)
			return -1;
		in->credit_code = code_buf;
	} else {
		in->credit_code = "";
	}
	race_company_key(in->company, key_buf, key_len);
	if (*key_buf == '\0')
		return err_set(err, 422, "required", "company", "company has no name left after normalising");
	if (in->qualified >= 0 && !race_may_lead(actor, in->unit_id))
		return err_set(err, 403, "forbidden", "qualified", "only the unit's leader qualifies or rejects leads");
	return 0;
}

int lead_validate(db_t *db, const user_t *actor, struct lead_in *in, int64_t self_id,
                  char code_buf[32], char *key_buf, size_t key_len,
                  int64_t *duplicate_of, int64_t *dup_unit_id, err_t *err)
{
	*duplicate_of = 0;
	*dup_unit_id = 0;
	if (lead_check(db, NULL, actor, in, code_buf, key_buf, key_len, err) < 0)
		return -1;
	if (lead_first_claim(db, in->unit_id, in->credit_code, key_buf, self_id, duplicate_of, dup_unit_id) < 0)
		return db_fail(err, db, DB_ERR, "checking duplicates");
	return 0;
}

int lead_insert(db_t *db, const user_t *actor, struct lead_in *in, int64_t now, int64_t *id,
                int64_t *duplicate_of, int64_t *dup_unit_id, err_t *err)
{
	char code[32];
	size_t klen = strlen(in->company ? in->company : "") + 8;
	char *key = malloc(klen);
	if (key == NULL)
		return err_set(err, 500, "internal", NULL, "out of memory");
	if (lead_validate(db, actor, in, 0, code, key, klen, duplicate_of, dup_unit_id, err) < 0) {
		free(key);
		return -1;
	}
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO leads (unit_id, recruiter_id, company, company_key, credit_code, industry, est_investment_wan,"
		" captured_on, status, duplicate_of, notes, created_by, created_at, updated_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id");
	db_bind_int(st, 1, in->unit_id);
	if (in->recruiter_id)
		db_bind_int(st, 2, in->recruiter_id);
	else
		db_bind_null(st, 2);
	db_bind_text(st, 3, in->company);
	db_bind_text(st, 4, key);
	db_bind_text(st, 5, in->credit_code);
	db_bind_text(st, 6, in->industry ? in->industry : "");
	db_bind_int(st, 7, in->est_investment_wan);
	db_bind_text(st, 8, in->captured_on);
	db_bind_text(st, 9, in->qualified == 1 ? "qualified" : in->qualified == 0 ? "rejected" : "pending");
	if (*duplicate_of)
		db_bind_int(st, 10, *duplicate_of);
	else
		db_bind_null(st, 10);
	db_bind_text(st, 11, in->notes ? in->notes : "");
	if (actor)
		db_bind_int(st, 12, actor->id);
	else
		db_bind_null(st, 12);
	db_bind_int(st, 13, now);
	int rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int(st, 0);
	db_done(st);
	free(key);
	if (rc != DB_ROW)
		return db_fail(err, db, DB_ERR, "inserting a lead");
	return 0;
}

/* ---- projects ---- */

static int check_date(const char *v, const char *field, err_t *err)
{
	if (has(v) && date_parse(v, NULL) != DATE_OK)
		return err_set(err, 422, "invalid_date", field, "%s must be a date YYYY-MM-DD", field);
	return 0;
}

/* The lead of a project: from refs (when it has a lead look-up) or the
 * database, with its credit code and company when credit is not NULL.
 * 1, 0 (no such lead), -1 (database). */
static int project_lead(db_t *db, const struct race_refs *refs, int64_t id, struct lead_ref *l, char credit[32],
                        char company[512])
{
	if (refs && refs->lead && credit == NULL)
		return refs->lead(refs->ud, id, l);
	db_stmt_t *st = db_prepare(db,
		"SELECT unit_id, captured_on, credit_code, company, COALESCE(recruiter_id, 0) FROM leads WHERE id = $1");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		l->unit_id = db_col_int(st, 0);
		snprintf(l->captured_on, sizeof l->captured_on, "%s", db_col_text(st, 1));
		if (credit) {
			snprintf(credit, 32, "%s", db_col_text(st, 2));
			snprintf(company, 512, "%s", db_col_text(st, 3));
		}
		l->recruiter_id = db_col_int(st, 4);
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/* project_validate's checks; credit and company (NULL: not wanted) get the
 * lead's credit code and company for the enterprise link. */
static int project_checks(db_t *db, const struct race_refs *refs, const user_t *actor, struct project_in *in,
                          char lead_on[11], const char **stage, char credit[32], char company[512], err_t *err)
{
	lead_on[0] = '\0';
	if (in->name == NULL || *in->name == '\0')
		return err_set(err, 422, "required", "name", "name is required");
	if (in->unit_id == 0 && actor && actor->unit_id && !(actor->role_bit & ROLE_ADMIN))
		in->unit_id = actor->unit_id;
	if (check_unit(db, refs, in->unit_id, err) < 0)
		return -1;
	if (in->total_investment_wan < 0)
		return err_set(err, 422, "negative_amount", "total_investment", "total_investment must not be negative");
	if (in->foreign_investment_wan_usd < 0)
		return err_set(err, 422, "negative_amount", "foreign_investment", "foreign_investment must not be negative");
	if (in->expected_annual_tax_wan < 0)
		return err_set(err, 422, "negative_amount", "expected_annual_tax", "expected_annual_tax must not be negative");
	if (!(in->land_mu >= 0) || isinf(in->land_mu))
		return err_set(err, 422, "negative_amount", "land_mu", "land_mu must not be negative");
	if (check_industry(&in->industry, in->industry_kept, err) < 0)
		return -1;
	if (actor && !race_may_unit(actor, in->unit_id))
		return err_set(err, 403, "forbidden", "unit_id", "you may not record projects for this unit");
	int64_t lead_recruiter = 0;
	if (in->lead_id) {
		struct lead_ref l = { 0 };
		int rc = project_lead(db, refs, in->lead_id, &l, credit, company);
		if (rc < 0)
			return db_fail(err, db, DB_ERR, "reading the lead");
		if (rc == 0)
			return err_set(err, 422, "unknown_lead", "lead_id", "lead %lld does not exist", (long long)in->lead_id);
		snprintf(lead_on, 11, "%s", l.captured_on);
		lead_recruiter = l.recruiter_id;
		if (l.unit_id != in->unit_id)
			return err_set(err, 422, "lead_of_other_unit", "lead_id", "lead %lld belongs to another unit",
			                 (long long)in->lead_id);
	} else if (has(in->lead_on)) {
		if (check_date(in->lead_on, "lead_on", err) < 0)
			return -1;
		snprintf(lead_on, 11, "%s", in->lead_on);
	}
	if (check_date(in->negotiating_on, "negotiating_on", err) < 0)
		return -1;
	if (has(in->negotiating_on)) {
		if (has(lead_on) && strcmp(in->negotiating_on, lead_on) < 0)
			return err_set(err, 422, "date_order", "negotiating_on", "negotiating_on is before the lead's day (%s)",
			               lead_on);
		if (has(in->signed_on) && strcmp(in->signed_on, in->negotiating_on) < 0)
			return err_set(err, 422, "date_order", "signed_on", "signed_on is before negotiating_on");
		in->negotiating = 1;
	}
	if (check_date(in->signed_on, "signed_on", err) < 0 || check_date(in->landed_on, "landed_on", err) < 0 ||
	    check_date(in->started_on, "started_on", err) < 0 || check_date(in->producing_on, "producing_on", err) < 0)
		return -1;
	/* the chain: each date needs its predecessor and is not before it */
	struct { const char *v, *field; } chain[] = {
		{ lead_on, "lead" }, { in->signed_on, "signed_on" }, { in->landed_on, "landed_on" },
		{ in->started_on, "started_on" }, { in->producing_on, "producing_on" },
	};
	for (int i = 1; i < 5; i++) {
		if (!has(chain[i].v))
			continue;
		if (i >= 2 && !has(chain[i - 1].v))
			return err_set(err, 422, "missing_predecessor", chain[i].field, "%s needs %s first",
			                 chain[i].field, chain[i - 1].field);
		if (has(chain[i - 1].v) && strcmp(chain[i].v, chain[i - 1].v) < 0) {
			if (i == 1)
				return err_set(err, 422, "date_order", "signed_on",
				                 "signed_on is before the lead's captured_on (%s)", lead_on);
			return err_set(err, 422, "date_order", chain[i].field, "%s is before %s",
			                 chain[i].field, chain[i - 1].field);
		}
	}
	if (in->recruiter_id == 0)
		in->recruiter_id = actor && (actor->role_bit & ROLE_RECRUITER) ? actor->id : lead_recruiter;
	if (actor && (actor->role_bit & ROLE_RECRUITER) && in->recruiter_id != actor->id)
		return err_set(err, 403, "forbidden", "recruiter_id", "a recruiter records only its own projects");
	if (check_recruiter(db, refs, in->recruiter_id, in->unit_id, err) < 0)
		return -1;
	*stage = race_stage(in->signed_on, in->landed_on, in->started_on, in->producing_on, in->lead_id != 0,
	                    in->negotiating);
	return 0;
}

int project_check(db_t *db, const struct race_refs *refs, const user_t *actor, struct project_in *in,
                  char lead_on[11], const char **stage, err_t *err)
{
	return project_checks(db, refs, actor, in, lead_on, stage, NULL, NULL, err);
}

int project_validate(db_t *db, const user_t *actor, struct project_in *in, char lead_on[11],
                     const char **stage, int64_t *enterprise_id, err_t *err)
{
	char credit[32] = "", company[512] = "";
	*enterprise_id = 0;
	if (project_checks(db, NULL, actor, in, lead_on, stage, credit, company, err) < 0)
		return -1;
	if (has(in->landed_on)) {
		/* link to the registry: the lead's credit code, else the exact name
		 * (the lead's company, then the project's name); project_bulk.c
		 * links the same set-based */
		db_stmt_t *st = db_prepare(db,
			"SELECT id FROM enterprises WHERE (CAST($1 AS TEXT) <> '' AND credit_code = $1)"
			" OR (CAST($1 AS TEXT) = '' AND (name = $2 OR name = $3)) ORDER BY id LIMIT 1");
		db_bind_text(st, 1, credit);
		db_bind_text(st, 2, company);
		db_bind_text(st, 3, in->name);
		int rc = db_step(st);
		if (rc == DB_ROW)
			*enterprise_id = db_col_int(st, 0);
		db_done(st);
		if (rc != DB_ROW && rc != DB_DONE)
			return db_fail(err, db, DB_ERR, "linking the enterprise");
	}
	return 0;
}

int project_insert(db_t *db, const user_t *actor, struct project_in *in, int64_t now, int64_t *id, err_t *err)
{
	char lead_on[11];
	const char *stage;
	int64_t ent;
	if (project_validate(db, actor, in, lead_on, &stage, &ent, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO projects (name, unit_id, recruiter_id, enterprise_id, industry, stage, total_investment_wan,"
		" foreign_investment_wan_usd, lead_on, signed_on, landed_on, started_on, producing_on, lead_id, land_mu,"
		" expected_annual_tax_wan, created_at, updated_at, negotiating_on)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18) RETURNING id");
	db_bind_text(st, 1, in->name);
	db_bind_int(st, 2, in->unit_id);
	if (in->recruiter_id) db_bind_int(st, 3, in->recruiter_id); else db_bind_null(st, 3);
	if (ent) db_bind_int(st, 4, ent); else db_bind_null(st, 4);
	db_bind_text(st, 5, in->industry ? in->industry : "");
	db_bind_text(st, 6, stage);
	db_bind_int(st, 7, in->total_investment_wan);
	db_bind_int(st, 8, in->foreign_investment_wan_usd);
	db_bind_text(st, 9, lead_on);
	db_bind_text(st, 10, in->signed_on ? in->signed_on : "");
	db_bind_text(st, 11, in->landed_on ? in->landed_on : "");
	db_bind_text(st, 12, in->started_on ? in->started_on : "");
	db_bind_text(st, 13, in->producing_on ? in->producing_on : "");
	if (in->lead_id) db_bind_int(st, 14, in->lead_id); else db_bind_null(st, 14);
	db_bind_double(st, 15, in->land_mu);
	db_bind_int(st, 16, in->expected_annual_tax_wan);
	db_bind_int(st, 17, now);
	db_bind_text(st, 18, in->negotiating_on ? in->negotiating_on : "");
	int rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int(st, 0);
	db_done(st);
	if (rc != DB_ROW)
		return db_fail(err, db, DB_ERR, "inserting a project");
	return 0;
}

/* ---- trips ---- */

int trip_check(db_t *db, const struct race_refs *refs, const user_t *actor, struct trip_in *in, err_t *err)
{
	if (in->user_id == 0 && actor)
		in->user_id = actor->id;
	if (in->user_id <= 0)
		return err_set(err, 422, "required", "user_id", "user_id is required");
	char role[16];
	int64_t unit = 0;
	int p = refs ? refs->person(refs->ud, in->user_id, role, &unit) : person(db, in->user_id, role, &unit);
	if (p < 0)
		return db_fail(err, db, DB_ERR, "reading users");
	if (p == 0 || (strcmp(role, "recruiter") != 0 && strcmp(role, "leader") != 0))
		return err_set(err, 422, "invalid_user", "user_id", "trips are recorded for recruiters and leaders");
	/* a recruiter its own trips; a leader its unit's people's (race_may_lead) */
	if (!race_may_lead(actor, unit) && !((actor->role_bit & ROLE_RECRUITER) && actor->id == in->user_id))
		return err_set(err, 403, "forbidden", "user_id", "you may not record trips for this person");
	if (!has(in->start_on))
		return err_set(err, 422, "required", "start_on", "start_on is required");
	if (date_parse(in->start_on, NULL) != DATE_OK)
		return err_set(err, 422, "invalid_date", "start_on", "start_on must be a date YYYY-MM-DD");
	if (!has(in->end_on))
		return err_set(err, 422, "required", "end_on", "end_on is required");
	if (date_parse(in->end_on, NULL) != DATE_OK)
		return err_set(err, 422, "invalid_date", "end_on", "end_on must be a date YYYY-MM-DD");
	if (strcmp(in->end_on, in->start_on) < 0)
		return err_set(err, 422, "date_order", "end_on", "end_on is before start_on");
	int64_t a, b;
	date_parse(in->start_on, &a);
	date_parse(in->end_on, &b);
	if (b - a + 1 > TRIP_MAX_DAYS)
		return err_set(err, 422, "out_of_range", "end_on", "a trip lasts at most %d days: enter longer ones in parts",
		               TRIP_MAX_DAYS), err_param(err, "reason", "trip_days"), err_param(err, "max", "%d", TRIP_MAX_DAYS);
	if (in->visits < 0)
		return err_set(err, 422, "negative_amount", "visits", "visits must not be negative");
	return 0;
}

int trip_validate(db_t *db, const user_t *actor, struct trip_in *in, err_t *err)
{
	return trip_check(db, NULL, actor, in, err);
}

int trip_copy_add(db_t *db, db_copy_t **c, const struct race_refs *refs, const user_t *actor, struct trip_in *in,
                  int64_t now, err_t *err)
{
	if (trip_check(db, refs, actor, in, err) < 0)
		return -1;
	if (*c == NULL)
		*c = db_copy_begin(db, "trips", "user_id, start_on, end_on, destination, visits, companies, created_by,"
		                   " created_at, updated_at", 9);
	db_copy_int(*c, in->user_id);
	db_copy_text(*c, in->start_on);
	db_copy_text(*c, in->end_on);
	db_copy_text(*c, in->destination ? in->destination : "");
	db_copy_int(*c, in->visits);
	db_copy_text(*c, in->companies ? in->companies : "");
	if (actor) db_copy_int(*c, actor->id); else db_copy_null(*c);
	db_copy_int(*c, now);
	db_copy_int(*c, now);
	db_copy_row(*c);
	return 0;
}

int trip_copy_end(db_t *db, db_copy_t **c, err_t *err)
{
	if (*c == NULL)
		return 0;
	int rc = db_copy_end(*c);
	*c = NULL;
	return rc == DB_OK ? 0 : db_fail(err, db, rc, "writing the trips");
}

int trip_insert(db_t *db, const user_t *actor, struct trip_in *in, int64_t now, int64_t *id, err_t *err)
{
	if (trip_validate(db, actor, in, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO trips (user_id, start_on, end_on, destination, visits, companies, created_by, created_at, updated_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id");
	db_bind_int(st, 1, in->user_id);
	db_bind_text(st, 2, in->start_on);
	db_bind_text(st, 3, in->end_on);
	db_bind_text(st, 4, in->destination ? in->destination : "");
	db_bind_int(st, 5, in->visits);
	db_bind_text(st, 6, in->companies ? in->companies : "");
	if (actor) db_bind_int(st, 7, actor->id); else db_bind_null(st, 7);
	db_bind_int(st, 8, now);
	int rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int(st, 0);
	db_done(st);
	if (rc != DB_ROW)
		return db_fail(err, db, DB_ERR, "inserting a trip");
	return 0;
}

/* ---- quotas ---- */

int race_quota(db_t *db, const char *month, int64_t unit_id, struct race_quota **out, size_t *n)
{
	char first[11], last[11], today[11];
	*out = NULL;
	*n = 0;
	if (month_range(month, first, last) != DATE_OK)
		return -1;
	int64_t d0, d1;
	date_parse(first, &d0);
	date_parse(last, &d1);
	int ndays = (int)(d1 - d0 + 1);
	date_today_str(today);
	int64_t td;
	date_parse(today, &td);
	/* working days of the month */
	int work[31];
	for (int i = 0; i < ndays; i++) {
		char day[11];
		date_format(d0 + i, day);
		int w = calendar_is_workday(db, day);
		if (w < 0) {
			int64_t wd = ((d0 + i) % 7 + 7 + 3) % 7;   /* 1970-01-01 was a Thursday: 0 = Monday */
			w = wd < 5;
		}
		work[i] = w;
	}
	size_t cap = 16, cnt = 0;
	struct race_quota *q = calloc(cap, sizeof *q);
	uint32_t *mask = calloc(cap, sizeof *mask);
	if (q == NULL || mask == NULL)
		goto oom;
	db_stmt_t *st = db_prepare(db,
		"SELECT id, display_name, role, COALESCE(unit_id, 0) FROM users WHERE role IN ('leader','recruiter')"
		" AND (CAST($1 AS BIGINT) = 0 OR unit_id = $1)"
		" ORDER BY COALESCE(unit_id, 0), CASE role WHEN 'leader' THEN 0 ELSE 1 END, id");
	db_bind_int(st, 1, unit_id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (cnt == cap) {
			cap *= 2;
			struct race_quota *nq = realloc(q, cap * sizeof *q);
			uint32_t *nm = realloc(mask, cap * sizeof *mask);
			if (nq) q = nq;
			if (nm) mask = nm;
			if (nq == NULL || nm == NULL) {
				db_done(st);
				goto oom;
			}
		}
		struct race_quota *e = &q[cnt];
		memset(e, 0, sizeof *e);
		mask[cnt] = 0;
		e->user_id = db_col_int(st, 0);
		snprintf(e->name, sizeof e->name, "%s", db_col_text(st, 1));
		snprintf(e->role, sizeof e->role, "%s", db_col_text(st, 2));
		e->unit_id = db_col_int(st, 3);
		cnt++;
	}
	db_done(st);
	if (rc != DB_DONE)
		goto fail;
	/* trips touching the month, of the same people; a trip is at most
	 * TRIP_MAX_DAYS long, so its start is bounded below too and the index
	 * on start_on reads only the window instead of every earlier trip */
	char earliest[11] = "0000-00-00";
	int64_t fd;
	if (date_parse(first, &fd) == 0)
		date_format(fd - TRIP_MAX_DAYS, earliest);
	st = db_prepare(db,
		"SELECT t.user_id, t.start_on, t.end_on, t.visits FROM trips t JOIN users u ON u.id = t.user_id"
		" WHERE t.start_on >= $4 AND t.start_on <= $2 AND t.end_on >= $1 AND u.role IN ('leader','recruiter')"
		" AND (CAST($3 AS BIGINT) = 0 OR u.unit_id = $3) ORDER BY t.user_id");
	db_bind_text(st, 1, first);
	db_bind_text(st, 2, last);
	db_bind_int(st, 3, unit_id);
	db_bind_text(st, 4, earliest);
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t uid = db_col_int(st, 0);
		size_t lo = 0, hi = cnt, k = cnt;
		for (size_t i = 0; i < cnt; i++)   /* people are few: linear */
			if (q[i].user_id == uid) { k = i; break; }
		(void)lo, (void)hi;
		if (k == cnt)
			continue;
		int64_t a, b;
		if (date_parse(db_col_text(st, 1), &a) < 0 || date_parse(db_col_text(st, 2), &b) < 0)
			continue;
		if (a >= d0 && a <= d1)
			q[k].visits += (int)db_col_int(st, 3);
		if (a < d0) a = d0;
		if (b > d1) b = d1;
		for (int64_t d = a; d <= b; d++)
			mask[k] |= 1u << (d - d0);
	}
	db_done(st);
	if (rc != DB_DONE)
		goto fail;
	int64_t upto = td < d1 ? td : d1;   /* gaps: within the month, up to today */
	for (size_t k = 0; k < cnt; k++) {
		struct race_quota *e = &q[k];
		for (int i = 0; i < ndays; i++)
			e->days_out += (mask[k] >> i) & 1;
		int leader = strcmp(e->role, "leader") == 0;
		e->quota_met = leader ? e->visits >= RACE_LEADER_VISITS : e->days_out >= RACE_RECRUITER_DAYS;
		if (leader)
			continue;
		int run = 0, start = -1, lastw = -1;
		for (int i = 0; d0 + i <= upto; i++) {
			if ((mask[k] >> i) & 1) {
				if (run >= RACE_GAP_WORKDAYS)
					break;
				run = 0;
				start = -1;
				continue;
			}
			if (!work[i])
				continue;
			if (run == 0)
				start = i;
			run++;
			lastw = i;
		}
		if (run >= RACE_GAP_WORKDAYS) {
			e->gap = 1;
			date_format(d0 + start, e->gap_from);
			date_format(d0 + lastw, e->gap_to);
		}
	}
	free(mask);
	*out = q;
	*n = cnt;
	return 0;
oom:
fail:
	free(q);
	free(mask);
	return -1;
}
