/*
 * eval_cli.c -- `zoneops land evaluate --year Y [--preset zhejiang|jiangsu]
 * [--scope industrial|all] [--dry-run] [--json]`: the evaluation from the
 * command line (the benchmark times it), with the counts and the time it
 * took to read, compute and store.
 */
#include "land/land.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
	fputs("usage: zoneops land evaluate --year YYYY [--preset zhejiang|jiangsu] [--scope industrial|all]"
	      " [--dry-run] [--json] [--db URL]\n", stderr);
	return 2;
}

static void print_run(const struct land_params *p, const struct land_run *run, int dry_run, int json, double total)
{
	static const char *const scopes[] = { "industrial", "all" };
	const struct land_counts *c = &run->counts;
	double store = dry_run ? 0 : run->stored - run->computed;
	if (json) {
		json_t *o = json_pack("{so,si,ss,ss,sb,sI,sI,sI,s{sI,sI,sI,sI,sI},s{sf,sf,sf,sf}}", "id",
		                      run->id ? json_integer(run->id) : json_null(), "year", p->year, "preset",
		                      p->preset->name, "scope", scopes[p->scope], "dry_run", dry_run, "enterprises",
		                      (json_int_t)run->n, "in_scope", (json_int_t)c->in_scope, "evaluated",
		                      (json_int_t)c->evaluated, "counts", "A", (json_int_t)c->by_class[0], "B",
		                      (json_int_t)c->by_class[1], "C", (json_int_t)c->by_class[2], "D",
		                      (json_int_t)c->by_class[3], "T", (json_int_t)c->by_class[4], "seconds", "load",
		                      run->loaded, "compute", run->computed - run->loaded, "store", store, "total", total);
		char *s = json_dumps(o, JSON_COMPACT);
		puts(s ? s : "{}");
		free(s);
		json_decref(o);
		return;
	}
	printf("land evaluation %d, preset %s, scope %s: %zu enterprises, %zu in scope, %zu evaluated\n", p->year,
	       p->preset->name, scopes[p->scope], run->n, c->in_scope, c->evaluated);
	printf("A %zu\nB %zu\nC %zu\nD %zu\nT %zu\n", c->by_class[0], c->by_class[1], c->by_class[2], c->by_class[3],
	       c->by_class[4]);
	if (dry_run)
		printf("dry run: nothing stored\n");
	else
		printf("stored as evaluation %lld (draft)\n", (long long)run->id);
	printf("seconds: load %.3f, compute %.3f, store %.3f, total %.3f\n", run->loaded, run->computed - run->loaded,
	       store, total);
}

int cli_land_evaluate(int argc, char **argv, db_t *db)
{
	int year = 0, dry_run = 0, json = 0, scope = LAND_SCOPE_INDUSTRIAL;
	const char *preset = "zhejiang";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--year") == 0 && i + 1 < argc)
			year = atoi(argv[++i]);
		else if (strcmp(argv[i], "--preset") == 0 && i + 1 < argc)
			preset = argv[++i];
		else if (strcmp(argv[i], "--scope") == 0 && i + 1 < argc) {
			const char *s = argv[++i];
			scope = strcmp(s, "all") == 0 ? LAND_SCOPE_ALL : strcmp(s, "industrial") == 0 ? LAND_SCOPE_INDUSTRIAL : -1;
		} else if (strcmp(argv[i], "--dry-run") == 0)
			dry_run = 1;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			return usage();
	}
	const struct land_preset *ps = land_preset_find(preset);
	if (year < FACT_YEAR_MIN || year > FACT_YEAR_MAX || ps == NULL || scope < 0)
		return usage();
	struct land_params p;
	land_params_default(&p, ps, year);
	p.scope = scope;
	struct land_run run;
	err_t e;
	double t0 = now_mono();
	if (db_begin(db) != DB_OK) {
		fprintf(stderr, "zoneops: %s\n", db_errmsg(db));
		return 1;
	}
	if (land_evaluation_run(db, &p, dry_run, 0, now_sec(), &run, &e) < 0) {
		db_rollback(db);
		fprintf(stderr, "zoneops: %s\n", e.message);
		return 1;
	}
	if ((dry_run ? db_rollback(db) : db_commit(db)) != DB_OK) {
		fprintf(stderr, "zoneops: %s\n", db_errmsg(db));
		return 1;
	}
	print_run(&p, &run, dry_run, json, now_mono() - t0);
	return 0;
}
