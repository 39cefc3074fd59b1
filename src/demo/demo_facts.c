/*
 * demo_facts.c -- the demo enterprises' yearly facts: designed figures for
 * nine enterprises, and figures derived from the registry for the others
 * (see demo_facts.h).  Every value is exact (tenths of a unit, or the
 * designed decimal text); all are written at the end in one COPY
 * (db_copy; fact_set_many's rows, without its upsert: each is new).
 */
#include "demo/demo_facts.h"

#include "core/core.h"
#include "policy/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { F_REV, F_TAX, F_RD, F_EMP, F_NEW, F_EXP, NF };
static const char *const FACT[NF] = { "revenue", "tax_paid", "rd_spending", "employees", "new_employees", "exports" };

/* A designed enterprise: figures for Y-3, Y-2, Y-1 (NULL: missing). */
struct profile {
	const char *name;           /* the enterprise's name, or NULL: ... */
	int key;                    /* ... the next generated key (1) or other (0) enterprise by id */
	const char *v[NF][DEMO_FACT_YEARS];
};

/* demo_facts.h has the table of what each is for which policy. */
static const struct profile PROFILES[] = {
	{ "江苏恒太照明股份有限公司", 1, {
		[F_REV] = { "11000", "11800", "12000" }, [F_TAX] = { "260", "285", "300" },
		[F_RD] = { "780", "820", "850.5" }, [F_EMP] = { "820", "835", "860" }, [F_NEW] = { "18", "15", "25" },
		[F_EXP] = { "960", "1000", "1100" } } },
	{ "上海朗股科技有限公司南通分公司", 1, {
		[F_REV] = { "7200", "7600", "8000" }, [F_TAX] = { "40", "42", "45" },
		[F_RD] = { "110", "115", "120" }, [F_EMP] = { "150", "165", "180" }, [F_NEW] = { "12", "15", "15" },
		[F_EXP] = { "725", "1000", "1380" } } },
	{ "南通星源材质科技有限公司", 1, {
		[F_REV] = { "26000", NULL, NULL }, [F_TAX] = { "800", "900", "950" },
		[F_RD] = { "900", "1000", "1100" }, [F_EMP] = { "380", "400", "420" }, [F_NEW] = { "15", NULL, NULL },
		[F_EXP] = { "800", "2000", "5000" } } },
	{ "南通晟斯生物医药有限公司", 1, {
		[F_REV] = { "900", "960", "1000" }, [F_TAX] = { "8", "10", "12" },
		[F_RD] = { "95", "100", "100.05" }, [F_EMP] = { "230", "245", "260" }, [F_NEW] = { "30", "15", "15" },
		[F_EXP] = { "90", "80", "60" } } },
	{ NULL, 1, {
		[F_REV] = { "5200", "5100", "5000" }, [F_TAX] = { "0", "0", "0" },
		[F_RD] = { "25", "28", "30" }, [F_EMP] = { "48", "46", "45" }, [F_NEW] = { "2", "1", "3" },
		[F_EXP] = { "400", NULL, "500" } } },
	{ NULL, 1, {
		[F_REV] = { "3000", "3100", "3300" }, [F_TAX] = { "60", "55", "70" },
		[F_RD] = { "150", "160", "180" }, [F_EMP] = { "300", "310", "290" }, [F_NEW] = { "8", "6", "4" },
		[F_EXP] = { "150", "140", "130" } } },
	{ NULL, 0, {
		[F_REV] = { "2000", "2100", "2400" }, [F_TAX] = { "30", "35", "40" },
		[F_RD] = { "60", "70", "80" }, [F_EMP] = { "100", "110", "120" }, [F_NEW] = { "20", "10", "30" } } },
	{ NULL, 0, {
		[F_REV] = { "4000", "4200", "4400" }, [F_TAX] = { "0", "0", "0" },
		[F_RD] = { "180", "200", "220" }, [F_EMP] = { "60", "62", "65" }, [F_NEW] = { "2", "2", "3" },
		[F_EXP] = { "50", "60", "70" } } },
	{ NULL, 0, {
		[F_REV] = { "1500", "1600", "1700" }, [F_TAX] = { NULL, NULL, NULL },
		[F_RD] = { "100", "110", "120" }, [F_EMP] = { "40", "42", "45" }, [F_NEW] = { "1", "2", "3" },
		[F_EXP] = { "120", "150", "200" } } },
};
#define NPROFILES ((int)(sizeof PROFILES / sizeof PROFILES[0]))

struct ent {
	int64_t id;
	char name[128];
	int key, employees, founded, manuf, profile;   /* profile: index or -1 */
};

struct ctx {
	db_t *db;
	char **err;
	int year;                   /* Y */
	struct fact_row *rows;      /* to write */
	size_t n, cap;
};

static int failf(struct ctx *c, const char *what, int rc)
{
	char m[512];
	snprintf(m, sizeof m, "demo seed: facts: %s (%d): %s", what, rc, db_errmsg(c->db));
	if (c->err)
		*c->err = strdup(m);
	else
		fprintf(stderr, "zoneops: %s\n", m);
	return -1;
}

static int put(struct ctx *c, const struct ent *e, int year, const char *fact, struct rule_num v)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4096;
		struct fact_row *r = realloc(c->rows, cap * sizeof *r);
		if (r == NULL)
			return failf(c, "out of memory", DB_ERR);
		c->rows = r;
		c->cap = cap;
	}
	c->rows[c->n++] = (struct fact_row){ .enterprise_id = e->id, .year = year, .fact = fact, .value = v };
	return 0;
}

/* tenths of a unit as an exact number */
static struct rule_num tenths(int64_t t)
{
	return fact_value_from_stored(t * 1000);
}

/* A fixed hash of (enterprise, what): the same figures on every run. */
static uint64_t mix(int64_t id, int what)
{
	uint64_t z = (uint64_t)id * 0x9E3779B97F4A7C15ULL + (uint64_t)what * 0xBF58476D1CE4E5B9ULL + 0x5EED;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* An integer in lo..hi from the hash. */
static int64_t pick(int64_t id, int what, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(mix(id, what) % (uint64_t)(hi - lo + 1));
}

/* 亩均效益 (issue 11): value added, energy use and emissions of a year
 * from its revenue (tenths of 万元).  Value added 15-45% of revenue;
 * 万元 of value added per tce 0.8-8 for manufacturers, 3-20 for the
 * others (the 黄岩区 benchmark is 2.694); per tonne emitted 800-12,000
 * (benchmark 4929.81).  About one in thirty has not reported its energy
 * use, one in thirty its emissions: the 黄岩 rule fills them. */
static int seed_land_facts(struct ctx *c, const struct ent *e, int year, int k, int64_t rev)
{
	int64_t va = rev * (e->manuf ? pick(e->id, 50, 15, 38) : pick(e->id, 50, 20, 45)) / 100 *
	             pick(e->id, 51 + k, 92, 108) / 100;                                   /* tenths of 万元 */
	int64_t per_tce = e->manuf ? pick(e->id, 55, 8, 80) : pick(e->id, 55, 30, 200);   /* tenths of 万元 */
	int64_t per_t = e->manuf ? pick(e->id, 56, 800, 9000) : pick(e->id, 56, 3000, 12000);
	int64_t energy = va * 10 / per_tce;          /* tenths of tce */
	int64_t kg = va * 100 / per_t;               /* kilograms */
	if (put(c, e, year, "value_added", tenths(va)) < 0)
		return -1;
	if (pick(e->id, 57, 0, 29) != 0 && put(c, e, year, "energy_tce", tenths(energy > 0 ? energy : 1)) < 0)
		return -1;
	if (pick(e->id, 58, 0, 29) != 0 &&
	    put(c, e, year, "emissions_t", fact_value_from_stored((kg > 0 ? kg : 1) * 10)) < 0)
		return -1;
	return 0;
}

static int seed_profile(struct ctx *c, const struct ent *e, const struct profile *p)
{
	for (int f = 0; f < NF; f++)
		for (int k = 0; k < DEMO_FACT_YEARS; k++) {
			struct rule_num v;
			if (p->v[f][k] == NULL)
				continue;
			if (rule_num_parse(p->v[f][k], &v) < 0)
				return failf(c, "a designed figure", DB_ERR);
			if (put(c, e, c->year - DEMO_FACT_YEARS + k, FACT[f], v) < 0)
				return -1;
		}
	for (int k = 0; k < DEMO_FACT_YEARS; k++)
		if (put(c, e, c->year - DEMO_FACT_YEARS + k, "high_tech", rule_num_int(e->manuf)) < 0)
			return -1;
	for (int k = 0; k < DEMO_FACT_YEARS; k++) {
		struct rule_num rev;
		int64_t stored;
		if (p->v[F_REV][k] && rule_num_parse(p->v[F_REV][k], &rev) == 0 && fact_value_to_stored(rev, &stored) == 0 &&
		    seed_land_facts(c, e, c->year - DEMO_FACT_YEARS + k, k, stored / 1000) < 0)
			return -1;
	}
	return 0;
}

/* Figures from the registry: the latest year's employees are the
 * registry's, earlier years a little fewer; revenue per employee by
 * industry; tax, R&D and exports as shares of revenue. */
static int seed_derived(struct ctx *c, const struct ent *e)
{
	int64_t emp[DEMO_FACT_YEARS];
	emp[DEMO_FACT_YEARS - 1] = e->employees > 0 ? e->employees : 5;
	for (int k = DEMO_FACT_YEARS - 2; k >= 0; k--)
		emp[k] = emp[k + 1] * pick(e->id, 10 + k, 88, 104) / 100;
	int64_t per = e->manuf ? pick(e->id, 1, 600, 1800) : pick(e->id, 1, 300, 1200);   /* tenths of 万元 */
	int64_t tax_pm = pick(e->id, 2, 0, 9) == 0 ? 0 : pick(e->id, 3, 20, 70);            /* per mille */
	int high_tech = e->manuf ? pick(e->id, 4, 0, 9) < 3 : pick(e->id, 4, 0, 9) == 0;
	int64_t rd_pm = high_tech ? pick(e->id, 5, 25, 80) : e->manuf ? pick(e->id, 5, 3, 32) : pick(e->id, 5, 0, 15);
	int exporter = e->manuf ? pick(e->id, 6, 0, 2) == 0 : pick(e->id, 6, 0, 9) == 0;
	int64_t exp_pm = pick(e->id, 7, 50, 400);
	int late = !e->key && pick(e->id, 8, 0, 24) == 0;   /* the latest revenue and tax not reported yet */
	for (int k = 0; k < DEMO_FACT_YEARS; k++) {
		int year = c->year - DEMO_FACT_YEARS + k;
		if (year < e->founded)
			continue;
		int64_t rev = emp[k] * per * pick(e->id, 20 + k, 90, 112) / 100;   /* tenths */
		int64_t hired = k > 0 ? emp[k] - emp[k - 1] : 0;
		hired = (hired > 0 ? hired : 0) + emp[k] * pick(e->id, 30 + k, 0, e->key ? 6 : 3) / 100;
		int missing = late && k == DEMO_FACT_YEARS - 1;
		if ((!missing && put(c, e, year, "revenue", tenths(rev)) < 0) ||
		    (!missing && put(c, e, year, "tax_paid", tenths(rev * tax_pm / 1000)) < 0) ||
		    put(c, e, year, "rd_spending", tenths(rev * rd_pm / 1000)) < 0 ||
		    put(c, e, year, "employees", rule_num_int(emp[k])) < 0 ||
		    put(c, e, year, "new_employees", rule_num_int(hired)) < 0 ||
		    put(c, e, year, "high_tech", rule_num_int(high_tech)) < 0)
			return -1;
		/* 万美元 at about 7 yuan to the dollar */
		int64_t exports = rev * exp_pm / 1000 / 7 * pick(e->id, 40 + k, 85, 125) / 100;
		if (exporter && put(c, e, year, "exports", tenths(exports)) < 0)
			return -1;
		if (!missing && seed_land_facts(c, e, year, k, rev) < 0)
			return -1;
	}
	return 0;
}

/* Every enterprise with its designed profile, if any.  *n set. */
static struct ent *load(struct ctx *c, int *n)
{
	int64_t total = db_int1(c->db, "SELECT count(*) FROM enterprises", -1, 0, NULL);
	if (total < 0) {
		failf(c, "count enterprises", DB_ERR);
		return NULL;
	}
	struct ent *v = calloc((size_t)total + 1, sizeof *v);
	db_stmt_t *st = v ? db_prepare(c->db, "SELECT id, name, is_key, employees, industry, founded_on FROM enterprises"
	                                      " ORDER BY id") : NULL;
	if (st == NULL) {
		free(v);
		failf(c, "read enterprises", DB_ERR);
		return NULL;
	}
	int k = 0, rc;
	while ((rc = db_step(st)) == DB_ROW && k < total) {
		struct ent *e = &v[k++];
		e->id = db_col_int(st, 0);
		snprintf(e->name, sizeof e->name, "%s", db_col_text(st, 1));
		e->key = db_col_int(st, 2) != 0;
		e->employees = (int)db_col_int(st, 3);
		e->manuf = db_col_text(st, 4)[0] == 'C';
		e->founded = atoi(db_col_text(st, 5));
		e->profile = -1;
	}
	db_done(st);
	if (rc != DB_DONE && rc != DB_ROW) {
		free(v);
		failf(c, "read enterprises", rc);
		return NULL;
	}
	*n = k;
	/* the designed ones: by name, else the next generated key or other one */
	for (int p = 0; p < NPROFILES; p++)
		for (int i = 0; i < k; i++) {
			int named = 0;
			for (int q = 0; q < NPROFILES && !named; q++)
				named = PROFILES[q].name && strcmp(PROFILES[q].name, v[i].name) == 0;
			if (v[i].profile < 0 && (PROFILES[p].name ? strcmp(PROFILES[p].name, v[i].name) == 0
			                                          : !named && v[i].key == PROFILES[p].key)) {
				v[i].profile = p;
				break;
			}
		}
	return v;
}

/* The rows kept by put(), in their order, in one COPY (fact_set_many's
 * rows: new ones, each (enterprise, year, fact) once). */
static int write_facts(struct ctx *c, int64_t now)
{
	db_copy_t *w = db_copy_begin(c->db, "facts", "enterprise_id, year, fact, value, updated_at", 5);
	for (size_t i = 0; i < c->n; i++) {
		const struct fact_row *f = &c->rows[i];
		int64_t stored;
		if (fact_value_to_stored(f->value, &stored) < 0) {
			db_copy_end(w);
			return failf(c, "a value out of range", DB_CONSTRAINT);
		}
		db_copy_int(w, f->enterprise_id);
		db_copy_int(w, f->year);
		db_copy_text(w, f->fact);
		db_copy_int(w, stored);
		db_copy_int(w, now);
		db_copy_row(w);
	}
	int rc = db_copy_end(w);
	return rc == DB_OK ? 0 : failf(c, "writing them", rc);
}

int demo_seed_facts(db_t *db, int64_t now, char **err)
{
	struct ctx c = { .db = db, .err = err };
	if (err)
		*err = NULL;
	date_to_civil(date_of_unix(now), &c.year, NULL, NULL);
	int n = 0;
	struct ent *v = load(&c, &n);
	if (v == NULL)
		return -1;
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		rc = v[i].profile >= 0 ? seed_profile(&c, &v[i], &PROFILES[v[i].profile]) : seed_derived(&c, &v[i]);
	free(v);
	if (rc == 0)
		rc = write_facts(&c, now_sec());
	free(c.rows);
	return rc;
}
