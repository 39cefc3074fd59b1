/*
 * match.c -- who is eligible for a policy in a year, over every enterprise,
 * fast enough for the whole registry (100,000 enterprises with ten years of
 * facts within 2x of the same condition as one SQL query: BENCHMARKS.md).
 *
 * The registry is read in one query and each different (fact, year) the
 * rules name in one query over the index facts_by_fact, both in enterprise
 * order, so that the facts are merged into arrays by slot without a
 * lookup.  rule_eval() then runs per enterprise with no allocation;
 * rule_explain() only for the enterprises shown.  Also the CLI's
 * `zoneops policy match CODE --year Y`.
 */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The registry fields read: with the street's name and the enterprises'
 * codes and names (the API), or without the join (the CLI's counts). */
#define REGISTRY_COLUMNS "SELECT e.id, e.industry, e.is_key, e.founded_on, e.land_mu"
#define REGISTRY_SQL \
	REGISTRY_COLUMNS ", s.name, e.credit_code, e.name FROM enterprises e LEFT JOIN streets s ON s.id = e.street_id"
#define REGISTRY_SQL_PLAIN REGISTRY_COLUMNS " FROM enterprises e ORDER BY e.id"

/* What the rules read of the registry (bits). */
enum { NEED_INDUSTRY = 1, NEED_STREET = 2, NEED_FOUNDED = 4, NEED_LAND = 8, NEED_KEY = 16, NEED_NAMES = 32 };

/* The fact callback of rule_eval: the prefetched value of enterprise i. */
struct match_ud {
	const struct policy_match *m;
	int which;                  /* 0 the condition, 1 the benefit */
	size_t i;
};

static int match_fact(void *ud, size_t ref, const char *name, int year, struct rule_num *out)
{
	(void)name, (void)year;
	const struct match_ud *u = ud;
	int s = u->m->slot[u->which][ref];
	if (s < 0)
		return RULE_MISSING;
	size_t k = (size_t)s * u->m->n + u->i;
	if (!u->m->has[k])
		return RULE_MISSING;
	*out = fact_value_from_stored(u->m->vals[k]);
	return RULE_FOUND;
}

/* Number the different facts with their years of both rules. */
static void make_slots(struct policy_match *m, const char *names[2 * RULE_MAX_REFS], int years[2 * RULE_MAX_REFS],
                       unsigned *need)
{
	static const struct {
		const char *name;
		unsigned bit;
	} fields[] = { { "industry", NEED_INDUSTRY }, { "street", NEED_STREET }, { "founded_year", NEED_FOUNDED },
	               { "land_mu", NEED_LAND }, { "key", NEED_KEY } };
	const rule_t *rules[2] = { m->pr->cond, m->pr->ben };
	for (int w = 0; w < 2; w++) {
		size_t nr;
		const struct rule_ref *refs = rule_refs(rules[w], &nr);
		for (size_t k = 0; k < nr; k++) {
			m->slot[w][k] = -1;
			if (refs[k].registry) {
				for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
					if (strcmp(refs[k].name, fields[f].name) == 0)
						*need |= fields[f].bit;
				continue;
			}
			int y = rule_ref_year(&refs[k], m->year);
			size_t s = 0;
			while (s < m->nslots && !(years[s] == y && strcmp(names[s], refs[k].name) == 0))
				s++;
			if (s == m->nslots) {
				names[s] = refs[k].name;
				years[s] = y;
				m->nslots++;
			}
			m->slot[w][k] = (int)s;
		}
	}
}

static void read_registry_row(struct policy_match *m, db_stmt_t *st, unsigned need)
{
	size_t i = m->n++;
	struct match_ent *e = &m->ents[i];
	memset(e, 0, sizeof *e);
	e->id = db_col_int(st, 0);
	e->near = -1;
	const char *ind = need & NEED_INDUSTRY ? db_col_text(st, 1) : "";
	e->industry = *ind ? arena_strdup(m->arena, ind) : NULL;
	e->key = db_col_int(st, 2) != 0;
	const char *f = need & NEED_FOUNDED ? db_col_text(st, 3) : "";
	e->founded_year = strlen(f) >= 4 ? atoi(f) : 0;
	/* a REAL column: the decimal it prints as, to 4 decimals */
	struct rule_num land, r;
	e->land_known = need & NEED_LAND && rule_num_from_double(db_col_double(st, 4), &land) == 0 &&
	                rule_num_round(land, FACT_DECIMALS, &r) == 0 && fact_value_to_stored(r, &e->land_mu) == 0;
	if (need & NEED_STREET && !db_col_isnull(st, 5))
		e->street = arena_strdup(m->arena, db_col_text(st, 5));
	if (need & NEED_NAMES) {
		m->codes[i] = arena_strdup(m->arena, db_col_text(st, 6));
		m->names[i] = arena_strdup(m->arena, db_col_text(st, 7));
	}
}

/* The registry of enterprise i as the rules read it. */
static void registry_of(const struct match_ent *e, struct rule_registry *g)
{
	g->industry = e->industry;
	g->street = e->street;
	g->key = e->key;
	g->founded_year = e->founded_year;
	g->land_mu_known = e->land_known;
	g->land_mu = fact_value_from_stored(e->land_mu);
}

static int by_id(const void *a, const void *b)
{
	int64_t x = ((const struct match_ent *)a)->id, y = ((const struct match_ent *)b)->id;
	return x < y ? -1 : x > y;
}

static int load_registry(db_t *db, struct policy_match *m, unsigned need, int64_t only, err_t *err)
{
	/* one allocation: the count first (a few more may come meanwhile) */
	int64_t count = only ? 1 : db_int1(db, "SELECT count(*) FROM enterprises", -1, 0, NULL);
	if (count < 0)
		return db_fail(err, db, DB_ERR, "counting the enterprises");
	size_t cap = (size_t)count + 64;
	m->ents = malloc(cap * sizeof *m->ents);
	if (need & NEED_NAMES) {
		m->codes = malloc(cap * sizeof *m->codes);
		m->names = malloc(cap * sizeof *m->names);
	}
	if (m->ents == NULL || (need & NEED_NAMES && (m->codes == NULL || m->names == NULL)))
		return err_set(err, 500, "out_of_memory", NULL, "out of memory reading the registry");
	/* rules that read only facts need only the ids: any order (the
	 * smallest index that has them), sorted here */
	int ids_only = !only && need == 0;
	db_stmt_t *st = only ? db_prepare(db, REGISTRY_SQL " WHERE e.id = $1")
	                : ids_only ? db_prepare(db, "SELECT id FROM enterprises")
	                : need & (NEED_STREET | NEED_NAMES) ? db_prepare(db, REGISTRY_SQL " ORDER BY e.id")
	                : db_prepare(db, REGISTRY_SQL_PLAIN);
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the registry");
	if (only)
		db_bind_int(st, 1, only);
	int rc;
	while ((rc = db_step(st)) == DB_ROW && m->n < cap) {
		if (ids_only) {
			struct match_ent *e = &m->ents[m->n++];
			memset(e, 0, sizeof *e);
			e->id = db_col_int(st, 0);
			e->near = -1;
		} else {
			read_registry_row(m, st, need);
		}
	}
	db_done(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return db_fail(err, db, rc, "reading the registry");
	if (ids_only)
		qsort(m->ents, m->n, sizeof *m->ents, by_id);
	return 0;
}

/* Slot s: every enterprise's value of fact name in year, merged in id order. */
static int load_slot(db_t *db, struct policy_match *m, size_t s, const char *name, int year, int64_t only,
                     err_t *err)
{
	db_stmt_t *st = only ? db_prepare(db, "SELECT enterprise_id, value FROM facts"
	                                      " WHERE fact = $1 AND year = $2 AND enterprise_id = $3")
	                     : db_prepare(db, "SELECT enterprise_id, value FROM facts"
	                                      " WHERE fact = $1 AND year = $2 ORDER BY enterprise_id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the facts");
	db_bind_text(st, 1, name);
	db_bind_int(st, 2, year);
	if (only)
		db_bind_int(st, 3, only);
	int64_t *vals = m->vals + s * m->n;
	unsigned char *has = m->has + s * m->n;
	size_t i = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t id = db_col_int(st, 0);
		while (i < m->n && m->ents[i].id < id)
			i++;
		if (i == m->n)
			continue;   /* drain: an enterprise added meanwhile */
		if (m->ents[i].id == id) {
			vals[i] = db_col_int(st, 1);
			has[i] = 1;
		}
	}
	db_done(st);
	if (rc != DB_DONE)
		return db_fail(err, db, rc, "reading the facts");
	return 0;
}

static void evaluate(struct policy_match *m)
{
	struct rule_result res, bres;
	struct match_ud u = { m, 0, 0 };
	struct rule_env env = { .year = m->year, .fact = match_fact, .ud = &u };
	for (size_t i = 0; i < m->n; i++) {
		struct match_ent *e = &m->ents[i];
		u.i = i;
		u.which = 0;
		registry_of(e, &env.reg);
		rule_eval(m->pr->cond, &env, &res);
		e->result = (signed char)res.result;
		if (res.result == RULE_TRUE) {
			u.which = 1;
			rule_eval(m->pr->ben, &env, &bres);
			if (bres.result != RULE_TRUE) {
				e->result = RULE_UNKNOWN;
			} else {
				struct rule_num t;
				e->amount = policy_amount_stored(bres.amount);
				if (rule_num_add(m->total, bres.amount, &t) == 0)
					m->total = t;
			}
		} else if (res.result == RULE_FALSE) {
			e->near = (signed char)res.near;
			m->near += res.near >= 0;
			m->not_eligible++;
		}
		m->eligible += e->result == RULE_TRUE;
		m->unknown += e->result == RULE_UNKNOWN;
	}
}

int policy_match_run(db_t *db, const struct policy_rules *pr, int year, int with_names, int64_t only,
                     struct policy_match *m, err_t *err)
{
	memset(m, 0, sizeof *m);
	m->year = year;
	m->pr = pr;
	m->arena = arena_new();
	const char *names[2 * RULE_MAX_REFS];
	int years[2 * RULE_MAX_REFS];
	unsigned need = with_names ? NEED_NAMES : 0;
	make_slots(m, names, years, &need);
	if (load_registry(db, m, need, only, err) < 0)
		return -1;
	size_t cells = m->nslots * m->n;
	m->vals = malloc((cells ? cells : 1) * sizeof *m->vals);
	m->has = calloc(cells ? cells : 1, 1);
	if (m->vals == NULL || m->has == NULL)
		return err_set(err, 500, "out_of_memory", NULL, "out of memory for the match");
	for (size_t s = 0; s < m->nslots; s++)
		if (load_slot(db, m, s, names[s], years[s], only, err) < 0)
			return -1;
	evaluate(m);
	return 0;
}

void policy_match_free(struct policy_match *m)
{
	free(m->ents);
	free(m->codes);
	free(m->names);
	free(m->vals);
	free(m->has);
	if (m->arena)
		arena_free(m->arena);
	memset(m, 0, sizeof *m);
}

void policy_match_explain(const struct policy_match *m, size_t i, arena_t *a, struct rule_result *cond,
                          struct rule_result *ben)
{
	struct match_ud u = { m, 0, i };
	struct rule_env env = { .year = m->year, .fact = match_fact, .ud = &u };
	registry_of(&m->ents[i], &env.reg);
	rule_explain(m->pr->cond, &env, cond, a);
	memset(ben, 0, sizeof *ben);
	ben->result = RULE_UNKNOWN;
	if (cond->result == RULE_TRUE) {
		u.which = 1;
		rule_eval(m->pr->ben, &env, ben);
	}
}

static json_t *three(int result)
{
	return result == RULE_UNKNOWN ? json_null() : json_boolean(result == RULE_TRUE);
}

json_t *policy_clauses_json(const struct rule_result *res)
{
	json_t *a = json_array();
	for (size_t k = 0; k < res->nclauses; k++) {
		const struct rule_clause *c = &res->clauses[k];
		json_array_append_new(a, json_pack("{s:s,s:s,s:o}", "text", c->text ? c->text : "", "value",
		                                   c->value ? c->value : "", "result", three(c->result)));
	}
	return a;
}

json_t *policy_missing_json(const struct rule_result *cond, const struct rule_result *ben)
{
	const struct rule_result *r = cond->result == RULE_TRUE && ben ? ben : cond;
	json_t *a = json_array();
	for (size_t k = 0; k < r->nmissing; k++) {
		char b[RULE_MISSING_LEN];
		rule_missing_format(&r->missing[k], b);
		json_array_append_new(a, json_string(b));
	}
	return a;
}

struct rule_num policy_match_amount(const struct policy_match *m, size_t i)
{
	return fact_value_from_stored(m->ents[i].amount);
}

int64_t policy_amount_stored(struct rule_num amount)
{
	int64_t v = 0;
	struct rule_num r;
	if (rule_num_round(amount, FACT_DECIMALS, &r) == 0 && fact_value_to_stored(r, &v) == 0)
		return v;
	return 0;
}

/* ---- the CLI ---- */

int cli_policy_match(int argc, char **argv, db_t *db)
{
	const char *code = NULL;
	int year = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--year") == 0 && i + 1 < argc)
			year = atoi(argv[++i]);
		else if (code == NULL && argv[i][0] != '-')
			code = argv[i];
		else
			code = NULL, year = -1, i = argc;
	}
	if (code == NULL || year < 1900 || year > 2199) {
		fputs("usage: zoneops policy match CODE --year YYYY [--db URL]\n", stderr);
		return 2;
	}
	int64_t id = policy_published_id(db, code);
	if (id <= 0) {
		const char *params[] = { code };
		id = db_int1(db, "SELECT id FROM policies WHERE code = $1 ORDER BY version DESC LIMIT 1", 0, 1, params);
	}
	if (id <= 0) {
		fprintf(stderr, "zoneops: no policy with code '%s'\n", code);
		return 1;
	}
	arena_t *a = arena_new();
	struct policy p;
	struct policy_rules pr = { 0 };
	struct policy_match m = { 0 };
	err_t e;
	int rc = 1;
	if (policy_load(db, a, id, &p, &e) == 0) {
		if (policy_rules_compile(db, a, p.condition, p.benefit, &pr, &e) == 0 &&
		    policy_match_run(db, &pr, year, 0, 0, &m, &e) == 0) {
			char total[RULE_NUM_LEN];
			rule_num_format_fixed(m.total, 2, total);
			printf("policy %s version %d (%s), year %d: %zu enterprises\n", p.code, p.version, p.state, year, m.n);
			printf("eligible %zu\nnot_eligible %zu\nnear %zu\nunknown %zu\namount %s\n", m.eligible,
			       m.not_eligible, m.near, m.unknown, total);
			rc = 0;
		}
		policy_match_free(&m);
		policy_rules_free(&pr);
		policy_clear(&p);
	}
	if (rc != 0)
		fprintf(stderr, "zoneops: %s\n", e.message);
	arena_free(a);
	return rc;
}

int policy_match_published(db_t *db, arena_t *a, int64_t policy_id, int year, const char *verb,
                           struct policy *p, struct policy_rules *pr, struct policy_match *m, err_t *err)
{
	memset(p, 0, sizeof *p);
	memset(pr, 0, sizeof *pr);
	memset(m, 0, sizeof *m);
	if (year < 1900 || year > 2199)
		return err_set(err, 422, "invalid", "year", "year is from 1900 to 2199");
	if (policy_load(db, a, policy_id, p, err) < 0)
		return -1;
	if (strcmp(p->state, "published") != 0) {
		err_set(err, 409, "not_published", NULL, "only a published policy is %s; this version is %s", verb, p->state);
		err_param(err, "state", "%s", p->state);
		return -1;
	}
	if (policy_rules_compile(db, a, p->condition, p->benefit, pr, err) < 0)
		return -1;
	return policy_match_run(db, pr, year, 0, 0, m, err);
}
