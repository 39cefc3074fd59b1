/*
 * policy.h -- policies without application (免审即享) and policy push
 * (政策推送): eligibility rules as code, the yearly facts they read, the
 * match over the registry, batches the enterprise only confirms, and the
 * enterprise inbox.
 *
 * Owns the rule language (rule.c: parser, evaluator with three-valued
 * logic, explanations, plain-language rendering, exact decimal numbers).
 * rule.c knows neither SQL nor HTTP: the caller supplies the facts through
 * a callback and turns the err_t into a reply.  The language itself is
 * documented for users in docs/rules.md.
 *
 * Files: rule.c (the rule engine), facts.c (yearly facts: their
 * definitions and storage); policies.c and cases.c (policies in versions
 * and their test cases), match.c (the match, the CLI), batches.c and
 * batch_view.c (免审即享 batches), inbox.c and push.c (the enterprise inbox,
 * 政策推送), policy_api.c and batch_api.c (their HTTP handlers).
 */
#ifndef ZONEOPS_POLICY_H
#define ZONEOPS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/core.h"
#include "store/store.h"

/* ======================================================================
 * Exact decimal numbers
 *
 * Every number of the language (literals, facts, registry numbers, every
 * intermediate result, the benefit) is a decimal with 12 digits after the
 * point, held as a 128-bit integer scaled by 10^12, with magnitude below
 * 10^24 (RULE_NUM_MAX is 10^36 - 1 in scaled units).  + - and comparisons
 * are exact; * and / are exact up to the 12th decimal, which is rounded
 * half away from zero (a product of two numbers with at most 6 decimals
 * each is exact).  A result out of range (overflow) or a division by zero
 * is *undefined*: in the language it is unknown, never a crash.  So
 * rounding the benefit to 2 decimals is exact for decimal inputs: 1.005 ->
 * 1.01, 2.675 -> 2.68, -1.005 -> -1.01 (a binary double would give 1.00
 * and 2.67).
 * ====================================================================== */
__extension__ typedef __int128 rule_i128;
struct rule_num {
	rule_i128 v;                /* value x 10^12; use the functions below */
};
#define RULE_NUM_DECIMALS 12
#define RULE_NUM_LEN 48         /* rule_num_format()'s buffer, with the NUL */

/* Decimal text: optional sign, digits, optional '.' and digits, optional
 * exponent (e or E, optional sign, digits); surrounding ASCII spaces are
 * allowed.  Beyond 12 decimals the value is rounded half away from zero.
 * 0, or -1 (not a number, or |value| >= 10^24). */
int rule_num_parse(const char *s, struct rule_num *out);
struct rule_num rule_num_int(int64_t i);
/* A double as the decimal it prints as with 15 significant digits (what a
 * spreadsheet or a REAL column meant): 0.1 -> exactly 0.1.  -1 for NaN,
 * infinities and |d| >= 10^24. */
int rule_num_from_double(double d, struct rule_num *out);
double rule_num_to_double(struct rule_num n);  /* nearest double, for charts */
/* Shortest text: no exponent, no trailing zeros: "120", "-0.5", "1.01". */
void rule_num_format(struct rule_num n, char out[RULE_NUM_LEN]);
/* Exactly `decimals` (0..12) digits after the point: "1.50".  Digits
 * beyond are cut, so round first. */
void rule_num_format_fixed(struct rule_num n, int decimals, char out[RULE_NUM_LEN]);
/* Rounded to 0..12 decimals, half away from zero.  0, or -1 on overflow. */
int rule_num_round(struct rule_num n, int decimals, struct rule_num *out);
int rule_num_cmp(struct rule_num a, struct rule_num b);   /* -1, 0, 1 */
/* 0, or -1 when the result is undefined (overflow, division by zero); *out
 * is then unchanged. */
int rule_num_add(struct rule_num a, struct rule_num b, struct rule_num *out);
int rule_num_sub(struct rule_num a, struct rule_num b, struct rule_num *out);
int rule_num_mul(struct rule_num a, struct rule_num b, struct rule_num *out);
int rule_num_div(struct rule_num a, struct rule_num b, struct rule_num *out);

/* ======================================================================
 * Facts and registry fields
 *
 * A fact is a yearly number of an enterprise (tax_paid[2024]); its name,
 * type, label and unit come from the caller: the built-ins below plus what
 * an admin declared.  A registry field (industry, street, key,
 * founded_year, land_mu) is the enterprise's current registry value and
 * has no year.
 * ====================================================================== */
enum rule_type { RULE_T_NUM = 1, RULE_T_BOOL = 2, RULE_T_STR = 3 };

#define RULE_NAME_MAX 32        /* a fact name's length in bytes, at most */
struct rule_fact_def {
	const char *name;           /* [a-z][a-z0-9_]*, see rule_fact_name_ok() */
	enum rule_type type;        /* RULE_T_NUM, or RULE_T_BOOL (values 0/1) */
	const char *label_zh;       /* 研发投入; for a yes/no fact the noun: 高新技术企业 */
	const char *label_en;       /* R&D spending; yes/no: a high-tech enterprise */
	const char *unit_zh;        /* 万元, 人, ...; NULL or "" for none */
	const char *unit_en;        /* ×10k yuan, persons, ... */
};
struct rule_facts {
	const struct rule_fact_def *defs;
	size_t n;
};
/* The built-in facts (revenue, tax_paid, rd_spending, output_value,
 * value_added in 万元; employees, new_employees in persons; energy_tce;
 * emissions_t; exports in 万美元; high_tech, listed yes/no). */
extern const struct rule_fact_def rule_builtin_facts[];
extern const size_t rule_builtin_nfacts;
/* Whether name can be declared as a new fact: 1..RULE_NAME_MAX bytes of
 * [a-z0-9_] starting with a letter, and not a keyword (and, or, not, in,
 * true, false, year), a function (min, max, abs, round, prefix) or a
 * registry field.  0, or -1 with err = 422 invalid, field "name", param
 * reason (syntax, reserved). */
int rule_fact_name_ok(const char *name, err_t *err);

/* ======================================================================
 * Parsing
 * ====================================================================== */
typedef struct rule rule_t;
enum rule_kind {
	RULE_CONDITION = 1,         /* must be true/false: who is eligible */
	RULE_BENEFIT = 2            /* must be a number: the amount in 万元 */
};

/* Limits: any input is parsed and evaluated in bounded time and memory. */
#define RULE_MAX_BYTES   8192   /* source length: 422 too_long */
#define RULE_MAX_DEPTH   32     /* nested ( ), not, unary -, calls: 422 too_deep */
#define RULE_MAX_NODES   500    /* values, operators, list items: 422 too_complex */
#define RULE_MAX_REFS    63     /* different facts and fields: 422 too_complex */
#define RULE_MAX_CLAUSES 64     /* top-level and operands: 422 too_complex */

/* Parse src as a condition or a benefit.  known: the facts the rule may
 * name (NULL: the built-ins).  field: the name of the text in errors
 * ("condition", "benefit"; static or outliving err).  Returns the rule
 * (free with rule_free), or NULL with err filled:
 *   status 422, field = field, line = the 1-based line, code
 *   - syntax: params column (1-based, in characters: a Chinese character
 *     counts one, a TAB one), reason, and expected/found as they apply;
 *     reason is one of
 *       expected   expected = what was expected (a token such as ")" or a
 *                  word: value, operator, end, year, digits, string, fact),
 *                  found = the token found ("end" at the end)
 *       unknown_fact      found = the name, expected = a suggestion or absent
 *       unknown_function  found = the name, expected = a suggestion or absent
 *       type       expected, found = number | boolean | string
 *       operator   found = the operator written (==, =>, &&, ...),
 *                  expected = the one meant (=, >=, and, ...)
 *       character  found = the character (。 、 ; ...), expected maybe
 *       string     a string not closed on its line
 *       number     found = the number (too many digits or decimals, "5.")
 *       year       found = what is in [ ] or the year out of 1900..2199
 *       arguments  found = the count given, expected = the count wanted
 *       chained    a < b < c: comparisons do not chain
 *       encoding   invalid UTF-8
 *       empty      nothing but spaces and comments
 *   - too_long: params max (bytes), found
 *   - too_deep: params column, max
 *   - too_complex: params column, max, reason (nodes, facts, clauses)
 * The message is an English sentence ("expected ')' after the arguments of
 * min, found the end of the rule"; "unknown fact 'taxpaid': did you mean
 * 'tax_paid'?").  For the API's {"error":{"code","field","line","column",
 * "message"}} take column from err_get_param(err, "column").
 *
 * Full-width ASCII (（ ） ， ＞ ＝ ０-９ ...) and the ideographic space are
 * read as their ASCII forms outside strings, ≥ ≤ ≠ as >= <= !=, and “…” as a
 * string; columns still count the original characters. */
rule_t *rule_parse(const char *src, enum rule_kind kind, const struct rule_facts *known,
                   const char *field, err_t *err);
void rule_free(rule_t *r);
enum rule_kind rule_kind(const rule_t *r);
size_t rule_nnodes(const rule_t *r);

/* What a rule reads, for prefetching: each reference is a fact with an
 * absolute year or a year relative to the evaluated one, or a registry
 * field.  Numbered 0..n-1 in order of first appearance; rule_eval's
 * callback gets the number, so a caller can keep an array per enterprise. */
struct rule_ref {
	const char *name;           /* the fact or field name (lower case) */
	enum rule_type type;
	int registry;               /* 1 for a registry field (no year) */
	int relative;               /* 1: year + offset; 0: the absolute year */
	int year;                   /* the offset (relative) or the year */
};
const struct rule_ref *rule_refs(const rule_t *r, size_t *n);
int rule_ref_year(const struct rule_ref *ref, int year);  /* 0 for a field */

/* ======================================================================
 * Evaluation (Kleene's three-valued logic)
 *
 * A missing fact or field is unknown; so is a comparison, an arithmetic
 * result or a function of anything unknown, and a division by zero or an
 * overflow.  false and unknown = false, true or unknown = true, not unknown
 * = unknown.  The work is bounded by the node count: no loops, each node
 * evaluated at most once, each reference fetched at most once.
 * ====================================================================== */
enum { RULE_FALSE = 0, RULE_TRUE = 1, RULE_UNKNOWN = -1 };
enum { RULE_MISSING = 0, RULE_FOUND = 1 };

struct rule_registry {
	const char *industry;       /* GB/T 4754 code, e.g. "C2710"; NULL: not known */
	const char *street;         /* street name; NULL: not known */
	int key;                    /* 1 a key enterprise, 0 not, -1 not known */
	int founded_year;           /* 0: not known */
	int land_mu_known;          /* 0: land_mu not known */
	struct rule_num land_mu;    /* land in 亩 */
};

/* Fetch fact `name` for `year` (ref: its number in rule_refs()).  Return
 * RULE_FOUND with *out set (a yes/no fact: 0 or 1; any non-zero is yes),
 * RULE_MISSING, or -1 for a failure (the database), which makes rule_eval
 * return -1 (keep the reason in ud). */
typedef int (*rule_fact_fn)(void *ud, size_t ref, const char *name, int year, struct rule_num *out);

struct rule_env {
	int year;                   /* the year the policy is evaluated for */
	struct rule_registry reg;   /* strings must outlive the result */
	rule_fact_fn fact;          /* NULL: every fact is missing */
	void *ud;
};

struct rule_missing {
	const char *name;           /* fact or field; points into the rule */
	int year;                   /* 0 for a registry field */
};
#define RULE_MISSING_LEN (RULE_NAME_MAX + 16)
/* "tax_paid[2024]", or "industry" for a field. */
void rule_missing_format(const struct rule_missing *m, char out[RULE_MISSING_LEN]);

#define RULE_WHY_UNDEFINED ((uint64_t)1 << 63)  /* division by zero or overflow */
struct rule_clause {
	int result;                 /* RULE_TRUE, RULE_FALSE, RULE_UNKNOWN */
	uint64_t why;               /* unknown: bit i = reference i missing, RULE_WHY_UNDEFINED */
	const char *text;           /* rule_explain(): "employees[2025] >= 100" */
	const char *value;          /* rule_explain(): "120 ≥ 100" */
};

struct rule_result {
	/* A condition: RULE_TRUE, RULE_FALSE or RULE_UNKNOWN.  A benefit:
	 * RULE_TRUE when num is known, RULE_UNKNOWN otherwise. */
	int result;
	struct rule_num num;        /* a benefit's value */
	struct rule_num amount;     /* num rounded to 2 decimals, half away from zero */
	int undefined;              /* unknown because of a division by zero or overflow */
	/* When unknown: what is missing that made it so (facts with their year,
	 * fields), without duplicates, in order of appearance.  Empty when known. */
	size_t nmissing;
	struct rule_missing missing[RULE_MAX_REFS];
	/* A condition: one clause per top-level `and` operand (the whole
	 * condition when it is not an `and`).  A benefit: none. */
	size_t nclauses;
	struct rule_clause clauses[RULE_MAX_CLAUSES];
	/* "Near" (you may qualify if …): the index of the only false clause
	 * when exactly one is false and none unknown; else -1. */
	int near;
	/* rule_explain(): the whole rule's text and value */
	const char *text, *value;
	/* private: what was fetched, by reference */
	struct rule_fetched_ {
		signed char state, b;
		struct rule_num num;
		const char *s;
	} fetched_[RULE_MAX_REFS];
};

/* Evaluate.  0, or -1 when the fact callback failed.  Cheap: no
 * allocation, no text; parse once and call it for each enterprise. */
int rule_eval(const rule_t *r, const struct rule_env *env, struct rule_result *res);

/* The missing facts and fields behind a set of reasons (a clause's why):
 * the count, written to out. */
size_t rule_missing_of(const rule_t *r, int year, uint64_t why, struct rule_missing out[RULE_MAX_REFS]);

/* rule_eval(), and then res->clauses[i].text/.value and res->text/.value,
 * allocated in a (for the enterprises shown, not the whole match).  The text has the years resolved
 * and normalised spacing ("employees[2025] >= 100"); the value has each
 * fact and field replaced by the enterprise's value, "?" when missing, and
 * the operators as symbols (= ≠ < ≤ > ≥ + - × ÷); a compound side of a
 * comparison shows its result too: "(300 ÷ 10000 = 0.03) ≥ 0.03".
 * 0, or -1 when the fact callback failed. */
int rule_explain(const rule_t *r, const struct rule_env *env, struct rule_result *res, arena_t *a);

/* ======================================================================
 * Text
 * ====================================================================== */
/* The normalised source (one space around operators, after commas; minimal
 * parentheses; lower case).  year 0: years as written (tax_paid[year-1],
 * a bare name for [year]); else resolved (tax_paid[2024]).  clause -1: the
 * whole rule; else that clause.  Parsing the result gives the same rule.
 * 0, or -1 when out of memory or clause out of range. */
int rule_format(const rule_t *r, int clause, int year, buf_t *out);

enum rule_lang { RULE_ZH = 0, RULE_EN = 1 };
/* The rule in plain language for the policy library and pushes, labels
 * and units from facts (NULL: the built-ins; a fact not found shows its
 * name): `rd_spending[year-1] >= 500 and key` -> "上一年度研发投入 ≥
 * 500万元，且为重点企业" / "R&D spending (previous year) ≥ 500 ×10k yuan,
 * and is a key enterprise".  year 0: years relative (上一年度); else
 * absolute (2024年).  clause as in rule_format. */
int rule_to_text(const rule_t *r, int clause, enum rule_lang lang, const struct rule_facts *facts,
                 int year, buf_t *out);

/* ======================================================================
 * Facts storage (facts.c)
 *
 * The yearly facts of the enterprises (table facts) and the facts an admin
 * declared (table fact_defs).  A stored value is the exact decimal x 10^4
 * (FACT_DECIMALS decimals: 万元 to one yuan), never a double; a yes/no
 * fact is 0 or 1.
 * ====================================================================== */
#define FACT_DECIMALS 4
/* |value| < 10^11 (10^15 yuan in 万元): at most 15 significant digits, so
 * that json_decimal() prints every fact exactly */
#define FACT_STORED_MAX ((int64_t)999999999999999)
#define FACT_YEAR_MIN 1900
#define FACT_YEAR_MAX 2199

/* The facts a rule may name: the built-ins (first, in their order) and
 * those an admin declared (fact_defs, by name), allocated in a.  0, or -1 with err
 * (database). */
int fact_defs_load(db_t *db, arena_t *a, struct rule_facts *out, err_t *err);
/* The definition named name in facts, or NULL. */
const struct rule_fact_def *fact_def_find(const struct rule_facts *facts, const char *name);
/* Store (replace) one fact: value exact, rounded to FACT_DECIMALS
 * decimals half away from zero.  DB_OK or a DB_ code (DB_CONSTRAINT also
 * for a value out of range or an unknown enterprise or fact). */
int fact_set(db_t *db, int64_t enterprise_id, int year, const char *fact, struct rule_num value);
/* Many at once (the demo, bulk writers): the same as fact_set() for each
 * row, in statements of many rows.  A (enterprise, year, fact) must not
 * come twice in one call.  DB_OK or a DB_ code (then some rows may be
 * written: call it inside a transaction). */
struct fact_row {
	int64_t enterprise_id;
	int year;
	const char *fact;
	struct rule_num value;
};
int fact_set_many(db_t *db, const struct fact_row *rows, size_t n);
/* The same with the stored value (x 10^4); was (may be NULL) gets what
 * it did: FACT_NEW, FACT_REPLACED, or FACT_SAME (the value was that: not
 * written). */
enum { FACT_NEW = 1, FACT_REPLACED = 2, FACT_SAME = 3 };
int fact_put(db_t *db, int64_t enterprise_id, int year, const char *fact, int64_t stored, int *was);
/* The ids of the enterprises that facts holds anything of, ascending, in
 * *ids (malloc'd; *n of them): one index probe per such enterprise.  DB_OK
 * or a DB_ code. */
int fact_ids_with_facts(db_t *db, int64_t **ids, size_t *n);
/* value x 10^4 as stored: 0, or -1 when value has more than FACT_DECIMALS
 * decimals or |value| >= 10^11. */
int fact_value_to_stored(struct rule_num value, int64_t *out);
struct rule_num fact_value_from_stored(int64_t stored);
/* A fact's value from the text of a cell (trimmed; a decimal as
 * rule_num_parse reads it, exponent allowed), exactly, never through a
 * double.  lenient (an XLSX number cell): a double's 16-17 digit text
 * ("12345.678900000001") is first rounded to 15 significant digits.
 * 0, or FACT_VALUE_NAN (not a number), FACT_VALUE_PRECISION (more than
 * FACT_DECIMALS decimals), FACT_VALUE_RANGE (|value| >= 10^11). */
enum { FACT_VALUE_NAN = -1, FACT_VALUE_PRECISION = -2, FACT_VALUE_RANGE = -3 };
int fact_value_parse(const char *s, int lenient, struct rule_num *out);
/* A JSON number for an exact decimal: an integer when whole (exact), else a
 * real, which the server prints with 15 significant digits: exact for any
 * decimal of at most 15 significant digits (every fact, every amount
 * rounded to 2 decimals below 10^13). */
json_t *json_decimal(struct rule_num n);

/* ======================================================================
 * Policies (policies.c, cases.c)
 *
 * A policy is one row per version of its code: a draft is edited in place;
 * a published version is never edited -- a change makes version + 1, a
 * draft, and publishing it supersedes the published one.  Publishing runs
 * the policy's cases (OpenFisca-style tests: facts and registry fields ->
 * the expected result and amount) and refuses when one fails.  The domain
 * functions take the acting user's id and the time, never a req_t, fill
 * an err_t and return -1 on failure; the caller runs them inside its
 * transaction (policy_api.c, the demo).
 * ====================================================================== */
#define POLICY_CODE_MAX 40        /* [A-Za-z0-9._-] */
#define POLICY_NAME_MAX 200
#define POLICY_SUMMARY_MAX 4000
#define POLICY_TAGS_MAX 16
#define POLICY_TAG_MAX 32
#define POLICY_CASES_MAX 100
#define POLICY_CASE_FACTS_MAX 64

struct policy {
	int64_t id;
	const char *code, *name, *summary, *condition, *benefit, *state;  /* in the arena */
	int version;
	json_t *tags, *cases;       /* owned: policy_clear() */
	json_t *plans;              /* owned: the plan categories it serves (一企一档), names */
	int64_t created_at, published_at;   /* published_at 0: never */
};
/* Load version id.  0, or -1 with err (404 not_found, database). */
int policy_load(db_t *db, arena_t *a, int64_t id, struct policy *p, err_t *err);
/* The id of code's published version (0: none; -1 database error). */
int64_t policy_published_id(db_t *db, const char *code);
void policy_clear(struct policy *p);

/* What a POST or PATCH gives; NULL: not given (PATCH keeps the value).
 * condition and benefit as sent (not trimmed: the columns of errors count
 * from the text's first character). */
struct policy_in {
	const char *code, *name, *summary, *condition, *benefit;
	json_t *tags, *cases;       /* borrowed */
	json_t *plans;              /* borrowed: names of plan_categories, at most POLICY_PLANS_MAX;
	                               an unknown one is 422 unknown_category, field plans[i] */
};
#define POLICY_PLANS_MAX 10
/* Create version 1 of a new code (a draft).  422 invalid (field), the
 * rule's errors (syntax, too_long, too_deep, too_complex with field
 * condition or benefit; nothing stored), 409 code_taken.  0 with *id. */
int policy_create(db_t *db, arena_t *a, const struct policy_in *in, int64_t actor, int64_t now, int64_t *id,
                  err_t *err);
/* Change version id: a draft in place (*out_id = id); a published version
 * by a new draft version + 1 of the same code (*out_id its id); 409
 * not_editable for a superseded or withdrawn one.  Errors as create. */
int policy_update(db_t *db, arena_t *a, int64_t id, const struct policy_in *in, int64_t actor, int64_t now,
                  int64_t *out_id, err_t *err);
/* Publish draft id: run its cases (*report gets the run as
 * policy_cases_run gives it, owned, also on failure): 422 cases_failed
 * (params failed) when one fails, 409 not_draft; else the draft is
 * published and code's previously published version superseded. */
int policy_publish(db_t *db, arena_t *a, int64_t id, int64_t now, json_t **report, err_t *err);

/* A policy's rules parsed with the facts known now. */
struct policy_rules {
	rule_t *cond, *ben;
	struct rule_facts facts;    /* in the arena */
};
/* Parse condition and benefit (the errors of rule_parse, field condition
 * or benefit).  0, or -1 with err. */
int policy_rules_compile(db_t *db, arena_t *a, const char *condition, const char *benefit,
                         struct policy_rules *out, err_t *err);
void policy_rules_free(struct policy_rules *pr);

/* The policy as the API shows it; full adds cases and versions (only the
 * published ones when published_only).  NULL on a database error. */
json_t *policy_json(db_t *db, arena_t *a, const struct policy *p, int full, int published_only,
                    const struct rule_facts *facts);

/* cases.c: check a cases array (422 invalid, field "cases", params index
 * and reason); 0 or -1. */
int policy_cases_check(const json_t *cases, err_t *err);
/* Run the cases: {"passed":N,"failed":N,"cases":[{"name","ok","result",
 * "amount","expected","clauses","missing"}]}; *failed the count.  Texts
 * allocated in a. */
json_t *policy_cases_run(const struct policy_rules *pr, const json_t *cases, arena_t *a, int *failed);

/* ======================================================================
 * The match (match.c)
 *
 * Who is eligible for a policy in a year, over every enterprise: the
 * registry in one query, each fact reference (fact, year) of the rules in
 * one query over the index facts_by_fact, both in enterprise order, then
 * rule_eval per enterprise with no allocation.  Explanations
 * (rule_explain) only for what is shown.
 * ====================================================================== */
struct match_ent {                      /* 48 bytes: 100,000 of them fit in 5 MB */
	int64_t id;
	const char *industry, *street;      /* NULL: not known, or not read (the rules do not name it) */
	int32_t founded_year;               /* 0: not known */
	signed char key;                    /* 1 a key enterprise, 0 not */
	signed char result;                 /* RULE_TRUE (eligible, benefit known), RULE_FALSE, RULE_UNKNOWN */
	signed char near;                   /* the near clause, or -1 */
	signed char land_known;
	int64_t land_mu;                    /* x 10^4, when land_known */
	int64_t amount;                     /* eligible: the benefit rounded to 2 decimals, x 10^4 */
};
struct policy_match {
	int year;
	const struct policy_rules *pr;
	arena_t *arena;                     /* the registry's strings */
	size_t n;
	struct match_ent *ents;             /* by id */
	const char **codes, **names;        /* [i]: credit code and name (with_names; else NULL) */
	size_t nslots;                      /* the different (fact, year) read */
	int slot[2][RULE_MAX_REFS];         /* condition's, benefit's reference -> slot (-1: a field) */
	int64_t *vals;                      /* [slot * n + i]: the stored value (x 10^4) */
	unsigned char *has;                 /* [slot * n + i]: 1 found */
	size_t eligible, unknown, near, not_eligible;
	struct rule_num total;              /* the eligible's amounts added */
};
/* Match pr for year over every enterprise (only: just that one, 0: all).
 * 0, or -1 with err (database, 500 out of memory).  Free with
 * policy_match_free() in both cases. */
int policy_match_run(db_t *db, const struct policy_rules *pr, int year, int with_names, int64_t only,
                     struct policy_match *m, err_t *err);
void policy_match_free(struct policy_match *m);
/* The match of published version policy_id for year, before granting or
 * pushing it (verb, "granted" or "pushed", goes into the 409's message):
 * loads *p, compiles *pr and runs *m.  0, or -1 with err (422 invalid
 * year, 404, 409 not_published, database).  In both cases the caller
 * frees them: policy_match_free, policy_rules_free, policy_clear. */
int policy_match_published(db_t *db, arena_t *a, int64_t policy_id, int year, const char *verb,
                           struct policy *p, struct policy_rules *pr, struct policy_match *m, err_t *err);
/* Explain enterprise i: the condition's clauses with values (allocated in
 * a) into *cond, and the benefit into *ben (when eligible). */
void policy_match_explain(const struct policy_match *m, size_t i, arena_t *a, struct rule_result *cond,
                          struct rule_result *ben);
/* [{"text","value","result"}] of an explained condition */
json_t *policy_clauses_json(const struct rule_result *res);
/* ["tax_paid[2024]", ...]: what left the condition (or, eligible, the
 * benefit) unknown. */
json_t *policy_missing_json(const struct rule_result *cond, const struct rule_result *ben);
/* The rounded amount x 10^4 as stored (amount columns). */
int64_t policy_amount_stored(struct rule_num amount);
/* Enterprise i's amount (eligible) as an exact decimal. */
struct rule_num policy_match_amount(const struct policy_match *m, size_t i);
/* `zoneops policy match CODE --year Y`: counts and the total amount. */
int cli_policy_match(int argc, char **argv, db_t *db);

/* ======================================================================
 * Batches (batches.c): 免审即享
 *
 * A batch grants a policy's eligible enterprises of a year; an item per
 * (policy code, year, enterprise) whatever the batch (the unique key of
 * policy_batch_items, INSERT ... ON CONFLICT DO NOTHING: nothing granted
 * twice, under concurrency too).  pending -> approved (each enterprise gets
 * an inbox grant to confirm or decline) or rejected (its items deleted, so
 * they can be granted again); approved -> closed when no item is left
 * granted or confirmed after payments.
 * ====================================================================== */
#define BATCH_REASON_MAX 1000
/* 0 with *id; 409 not_published, 409 nothing_to_grant (every eligible
 * enterprise already granted, or none eligible). */
int batch_create(db_t *db, arena_t *a, int64_t policy_id, int year, int64_t actor, int64_t now, int64_t *id,
                 err_t *err);
/* approve (1) or reject (0, reason required) pending batch id. */
int batch_decide(db_t *db, arena_t *a, int64_t id, int approve, const char *reason, int64_t actor, int64_t now,
                 err_t *err);
/* Confirmed items of approved batch id become paid (409 not_confirmed
 * naming an item that is not, nothing changed); the batch is closed when
 * none is left granted or confirmed. */
int batch_paid(db_t *db, int64_t id, const int64_t *items, size_t n, int64_t now, err_t *err);
/* The batch with its counts and items; NULL with err (404, database). */
json_t *batch_json(db_t *db, int64_t id, int with_items, err_t *err);
/* {"items":[batch without its items]}, newest first (at most 500): of
 * policy code (every version; NULL: every policy), in state (NULL: any),
 * of year (0: any). */
json_t *batch_list_json(db_t *db, const char *code, const char *state, int year, err_t *err);
/* The workbook for the finance bureau, written to path. */
int batch_export_xlsx(db_t *db, int64_t id, const char *path, err_t *err);
/* Amounts granted by policy and by street (approved and closed batches;
 * year 0: every year). */
json_t *policy_stats_json(db_t *db, int year, err_t *err);

/* ======================================================================
 * The enterprise inbox and push (inbox.c): 政策推送, 无事不扰
 * ====================================================================== */
#define PUSH_CAP_DEFAULT 2
/* The inbox of an enterprise: grants, pushes, and the updates of its own
 * requests (derived from their history, ids "request-N"), newest first,
 * with the unread count. */
json_t *inbox_json(db_t *db, int64_t enterprise_id, err_t *err);
/* 一企一档: the policies granted or pushed to an enterprise (its inbox
 * without the request updates), newest first: {"items":[…]}. */
json_t *inbox_policies_json(db_t *db, int64_t enterprise_id, err_t *err);
/* Mark item id ("17" or "request-N") read.  404 when not the enterprise's. */
int inbox_read(db_t *db, int64_t enterprise_id, const char *id, int64_t now, err_t *err);
/* Confirm (1) or decline (0, reason required) grant id of the enterprise:
 * 404 someone else's, 409 not_open (decided already, not approved). */
int inbox_answer(db_t *db, int64_t enterprise_id, int64_t id, int confirm, const char *reason, int64_t now,
                 err_t *err);
/* Mute (1) or unmute (0) the policy of push id. */
int inbox_mute(db_t *db, int64_t enterprise_id, int64_t id, int mute, int64_t now, err_t *err);
struct push_result {
	int64_t pushed, skipped_muted, skipped_cap, skipped_already;
	int64_t with_plan;          /* pushed to an enterprise with a plan the policy serves */
};
/* Push published policy id to the enterprises near it in year: once per
 * (policy code, year, enterprise), not to those who muted the code, and at
 * most setting push_monthly_cap pushes per enterprise per calendar month
 * (zone time of now). */
int policy_push(db_t *db, arena_t *a, int64_t policy_id, int year, int64_t now, struct push_result *out,
                err_t *err);
/* A policy that serves plan categories (plans) goes first, in the same
 * push, to the enterprises with a plan of one of them that are not
 * eligible yet (near or not: the plan is the reason), each message saying
 * why ("你企计划2026年上市，可关注…"); then to the others near it as above. */

/* ======================================================================
 * HTTP handlers (policy_api.c: the library, match, explain, push;
 * batch_api.c: batches and the inbox).  routes.c says who may call them.
 * ====================================================================== */
struct req;
void api_policies_list(struct req *r);
void api_policies_create(struct req *r);
void api_policies_stats(struct req *r);
void api_policy_get(struct req *r);
void api_policy_update(struct req *r);
void api_policy_publish(struct req *r);
void api_policy_test(struct req *r);
void api_policy_match(struct req *r);
void api_policy_explain(struct req *r);
void api_policy_push(struct req *r);
void api_policy_batches_create(struct req *r);
void api_policy_batches_list(struct req *r);
void api_batches_list(struct req *r);
void api_batch_get(struct req *r);
void api_batch_approve(struct req *r);
void api_batch_reject(struct req *r);
void api_batch_paid(struct req *r);
void api_batch_export(struct req *r);
void api_inbox_list(struct req *r);
void api_enterprise_policies(struct req *r);
void api_inbox_read(struct req *r);
void api_inbox_confirm(struct req *r);
void api_inbox_decline(struct req *r);
void api_inbox_mute(struct req *r);
void api_inbox_unmute(struct req *r);

#endif
