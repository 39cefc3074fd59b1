/*
 * main.c -- the zoneops command line: one table of commands, each with
 * its --help.  Every command takes --db URL (or ZONEOPS_DB).
 *
 * Output contract for scripts: `token create` prints the token alone on
 * standard output; `user add` and `user passwd` read the password from
 * standard input when it is not a terminal; `token list` prints one token
 * a line under a header.  Errors go to standard error
 * and the exit status is non-zero.
 */
#include "admin/admin.h"
#include "auth/auth.h"
#include "demo/demo.h"
#include "http/http.h"
#include "indicators/indicators.h"
#include "policy/policy.h"
#include "policy/facts.h"
#include "land/land.h"
#include "notify/notify.h"
#include "race/race.h"
#include "remind/remind.h"
#include "service/service.h"
#include "store/store.h"
#include "table/table.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define ZONEOPS_VERSION "0.1.0"

struct cmd {
	const char *name, *sub;
	int (*fn)(int argc, char **argv);
	const char *usage, *help;
};

static const char *db_url;

static int usage_of(const struct cmd *c);
static const struct cmd *current;

/* Common options: --db URL and --help; returns remaining argv index. */
static db_t *open_db(int migrate)
{
	char *err = NULL;
	db_t *db = db_open(db_url, &err);
	if (db == NULL) {
		fprintf(stderr, "zoneops: cannot open database %s: %s\n", db_url, err ? err : "?");
		free(err);
		return NULL;
	}
	if (migrate) {
		int n = db_migrate(db, &err);
		if (n < 0) {
			fprintf(stderr, "zoneops: migration failed: %s\n", err ? err : "?");
			free(err);
			db_close(db);
			return NULL;
		}
	}
	return db;
}

/* Read a password: from stdin when it is not a terminal, else prompt twice
 * without echo.  Returns malloc'd string or NULL. */
static char *read_password(const char *prompt)
{
	char *line = NULL;
	size_t cap = 0;
	if (!isatty(STDIN_FILENO)) {
		ssize_t n = getline(&line, &cap, stdin);
		if (n <= 0) {
			free(line);
			return NULL;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		return line;
	}
	struct termios old, quiet;
	char *again = NULL;
	size_t cap2 = 0;
	tcgetattr(STDIN_FILENO, &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	fprintf(stderr, "%s: ", prompt);
	ssize_t n1 = getline(&line, &cap, stdin);
	fprintf(stderr, "\nagain: ");
	ssize_t n2 = getline(&again, &cap2, stdin);
	fprintf(stderr, "\n");
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (n1 <= 0 || n2 <= 0 || strcmp(line, again) != 0) {
		fprintf(stderr, "zoneops: the passwords differ\n");
		free(line);
		free(again);
		return NULL;
	}
	free(again);
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

enum { O_DB = 1000, O_LISTEN, O_DEMO, O_WEB, O_THREADS, O_ROLE, O_DISPLAY, O_UNIT, O_ENT, O_DEPT, O_USER,
       O_NAME, O_MAXBODY, O_PERIP, O_MAXCONN, O_SECURE, O_HEADER_TIMEOUT, O_DAYS, O_MUST_CHANGE, O_BODY_TIMEOUT,
       O_BODY_MIN_RATE, O_MAX_UPLOADS, O_MAX_UPLOADS_USER, O_TRUSTED_PROXY, O_METRICS_LISTEN };

static const struct option longopts[] = {
	{ "db", required_argument, NULL, O_DB },
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "demo", no_argument, NULL, O_DEMO },
	{ "web", required_argument, NULL, O_WEB },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "role", required_argument, NULL, O_ROLE },
	{ "display-name", required_argument, NULL, O_DISPLAY },
	{ "unit-id", required_argument, NULL, O_UNIT },
	{ "enterprise-id", required_argument, NULL, O_ENT },
	{ "department-id", required_argument, NULL, O_DEPT },
	{ "user", required_argument, NULL, O_USER },
	{ "name", required_argument, NULL, O_NAME },
	{ "max-body", required_argument, NULL, O_MAXBODY },
	{ "per-ip", required_argument, NULL, O_PERIP },
	{ "max-conns", required_argument, NULL, O_MAXCONN },
	{ "header-timeout", required_argument, NULL, O_HEADER_TIMEOUT },
	{ "secure-cookies", no_argument, NULL, O_SECURE },
	{ "days", required_argument, NULL, O_DAYS },
	{ "must-change", no_argument, NULL, O_MUST_CHANGE },
	{ "body-timeout", required_argument, NULL, O_BODY_TIMEOUT },
	{ "body-min-rate", required_argument, NULL, O_BODY_MIN_RATE },
	{ "max-uploads", required_argument, NULL, O_MAX_UPLOADS },
	{ "max-uploads-per-user", required_argument, NULL, O_MAX_UPLOADS_USER },
	{ "trusted-proxy", required_argument, NULL, O_TRUSTED_PROXY },
	{ "metrics-listen", required_argument, NULL, O_METRICS_LISTEN },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	int demo, must_change;
	const char *role, *display, *user, *name;
	int64_t unit, ent, dept, days;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof *o);
	optind = 1;
	opterr = 1;
	int c;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_DB: db_url = optarg; break;
		case O_LISTEN: server_cfg.listen = optarg; break;
		case O_DEMO: o->demo = 1; break;
		case O_WEB: server_cfg.webroot = optarg; break;
		case O_THREADS: server_cfg.threads = (unsigned)atoi(optarg); break;
		case O_MAXBODY: server_cfg.max_body = (size_t)strtoull(optarg, NULL, 10); break;
		case O_PERIP: server_cfg.per_ip = (unsigned)atoi(optarg); break;
		case O_MAXCONN: server_cfg.max_conns = (unsigned)atoi(optarg); break;
		case O_HEADER_TIMEOUT: server_cfg.header_timeout = (unsigned)atoi(optarg); break;
		case O_SECURE: server_cfg.secure_cookies = 1; break;
		case O_BODY_TIMEOUT: server_cfg.body_timeout = (unsigned)atoi(optarg); break;
		case O_BODY_MIN_RATE: server_cfg.body_min_rate = (unsigned)atoi(optarg); break;
		case O_MAX_UPLOADS: server_cfg.max_uploads = (unsigned)atoi(optarg); break;
		case O_MAX_UPLOADS_USER: server_cfg.max_uploads_per_user = (unsigned)atoi(optarg); break;
		case O_METRICS_LISTEN: server_cfg.metrics_listen = optarg; break;
		case O_TRUSTED_PROXY:
			if (server_trust_proxy(optarg) < 0) {
				fprintf(stderr, "zoneops: bad --trusted-proxy '%s' (want an address or CIDR, e.g. 10.0.0.0/8)\n", optarg);
				return -1;
			}
			break;
		case O_ROLE: o->role = optarg; break;
		case O_DISPLAY: o->display = optarg; break;
		case O_UNIT: o->unit = strtoll(optarg, NULL, 10); break;
		case O_ENT: o->ent = strtoll(optarg, NULL, 10); break;
		case O_DEPT: o->dept = strtoll(optarg, NULL, 10); break;
		case O_USER: o->user = optarg; break;
		case O_NAME: o->name = optarg; break;
		case O_DAYS:
			o->days = strtoll(optarg, NULL, 10);
			if (o->days <= 0) {
				fprintf(stderr, "zoneops: --days is 1 to %d\n", TOKEN_DAYS_MAX);
				return -1;
			}
			break;
		case O_MUST_CHANGE: o->must_change = 1; break;
		case 'h': usage_of(current); exit(0);
		default: usage_of(current); return -1;
		}
	}
	return optind;
}

static int cmd_serve(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(argc, argv, &o);
	if (i < 0)
		return 2;
	if (i < argc) {
		fprintf(stderr, "zoneops serve: unexpected argument '%s'\n", argv[i]);
		return 2;
	}
	db_t *db = open_db(1);
	if (db == NULL)
		return 1;
	if (o.demo) {
		char pw[64];
		char *err = NULL;
		int rc = demo_seed(db, pw, sizeof pw, &err);
		if (rc < 0) {
			fprintf(stderr, "zoneops: demo data failed: %s\n", err ? err : "?");
			free(err);
			db_close(db);
			return 1;
		}
		if (rc == 1 && user_set_must_change(db, user_id_by_name(db, "admin"), 1) != DB_OK) {
			fprintf(stderr, "zoneops: demo data: %s\n", db_errmsg(db));
			db_close(db);
			return 1;
		}
		if (rc == 1) {
			printf("\n  演示数据已生成 / demo data created.\n"
			       "  管理员 admin 的一次性密码 / one-time password for user 'admin':\n\n"
			       "      %s\n\n"
			       "  首次登录须修改 / it must be changed at the first login (or: zoneops user passwd admin).\n\n", pw);
			fflush(stdout);
		} else {
			fprintf(stderr, "zoneops: the database already has data; the demo is not seeded again "
			                "(the admin password was printed on the first run; reset it with "
			                "'zoneops user passwd admin').\n");
		}
	}
	db_close(db);
	db_global_init(db_url, NULL);
	/* the delivery worker of the notices (ZONEOPS_NOTIFY=off: none, e.g. when
	 * `zoneops notify deliver` runs as a service of its own) */
	const char *nv = getenv("ZONEOPS_NOTIFY");
	if (!(nv && strcmp(nv, "off") == 0) && notify_worker_start(db_url, remind_scan) < 0)
		return 1;
	int rc = server_run();
	import_stop_all(STOP_GRACE_SEC);   /* running imports stop at their next row and are marked interrupted */
	notify_worker_stop();              /* a send under way ends first (at most 15 s; the stop's watchdog may not wait) */
	return rc;
}

static int cmd_migrate(int argc, char **argv)
{
	struct opts o;
	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	db_t *db = open_db(0);
	if (db == NULL)
		return 1;
	char *err = NULL;
	int n = db_migrate(db, &err);
	if (n < 0) {
		fprintf(stderr, "zoneops: migration failed: %s\n", err ? err : "?");
		free(err);
		db_close(db);
		return 1;
	}
	printf("applied %d migration(s); schema version %d\n", n, db_schema_version(db));
	db_close(db);
	return 0;
}

/* "zoneops: field: message" on standard error. */
static void print_err(const err_t *e)
{
	fprintf(stderr, "zoneops: %s%s%s\n", e->field ? e->field : "", e->field ? ": " : "", e->message);
}

static int cmd_user_add(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(argc, argv, &o);
	if (i < 0)
		return 2;
	if (i + 1 != argc || o.role == NULL) {
		usage_of(current);
		return 2;
	}
	db_t *db = open_db(1);
	if (db == NULL)
		return 1;
	char *pw = read_password("password");
	if (pw == NULL) {
		fprintf(stderr, "zoneops: no password given\n");
		db_close(db);
		return 1;
	}
	struct user_input in = {
		.username = argv[i], .display_name = o.display, .role = o.role, .password = pw,
		.unit_id = o.unit, .enterprise_id = o.ent, .department_id = o.dept,
		.has_unit = o.unit > 0, .has_enterprise = o.ent > 0, .has_department = o.dept > 0,
		.must_change = o.must_change,
	};
	int64_t id;
	err_t err;
	int rc = 1;
	if (db_begin(db) == DB_OK) {
		if (user_create(db, &in, &id, &err) < 0) {
			print_err(&err);
			db_rollback(db);
		} else {
			char ids[24];
			snprintf(ids, sizeof ids, "%lld", (long long)id);
			audit_write(db, NULL, "cli", "cli user add", "user", ids, 201, argv[i]);
			if (db_commit(db) == DB_OK) {
				printf("created user %s (id %lld, role %s)\n", argv[i], (long long)id, o.role);
				rc = 0;
			}
		}
	}
	free(pw);
	db_close(db);
	return rc;
}

static int cmd_user_passwd(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(argc, argv, &o);
	if (i < 0)
		return 2;
	if (i + 1 != argc) {
		usage_of(current);
		return 2;
	}
	db_t *db = open_db(1);
	if (db == NULL)
		return 1;
	char *pw = read_password("new password");
	int rc = 1;
	err_t err;
	err_set(&err, 422, "required", "password", "no password given");
	if (pw && db_begin(db) == DB_OK) {
		/* a new password ends the user's sessions and revokes its API tokens */
		if (user_set_password(db, argv[i], pw, o.must_change, &err) == 0 &&
		    audit_write(db, NULL, "cli", "cli user passwd", "user", argv[i], 200,
		                o.must_change ? "sessions ended, API tokens revoked; must change at the next login"
		                              : "sessions ended, API tokens revoked") == DB_OK) {
			rc = db_commit(db) == DB_OK ? 0 : 1;
		} else {
			db_rollback(db);
		}
	}
	if (rc)
		print_err(&err);
	else
		printf("password changed for %s; its sessions ended and its API tokens revoked\n", argv[i]);
	free(pw);
	db_close(db);
	return rc;
}

static int cmd_user_list(int argc, char **argv)
{
	struct opts o;
	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	db_t *db = open_db(1);
	if (db == NULL)
		return 1;
	db_stmt_t *st = db_prepare(db, "SELECT id, username, role, display_name FROM users ORDER BY id");
	printf("%-6s %-20s %-13s %s\n", "ID", "USERNAME", "ROLE", "DISPLAY NAME");
	while (db_step(st) == DB_ROW)
		printf("%-6lld %-20s %-13s %s\n", (long long)db_col_int(st, 0), db_col_text(st, 1), db_col_text(st, 2),
		       db_col_text(st, 3));
	db_done(st);
	db_close(db);
	return 0;
}

static int cmd_token_create(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(argc, argv, &o);
	if (i < 0)
		return 2;
	if (o.user == NULL || i != argc) {
		usage_of(current);
		return 2;
	}
	db_t *db = open_db(1);
	if (db == NULL)
		return 1;
	char tok[68];
	err_t err;
	struct token_info t;
	int rc = 1;
	int64_t uid = user_id_by_name(db, o.user);
	if (uid <= 0) {
		fprintf(stderr, "zoneops: no such user: %s\n", o.user);
	} else if (db_begin(db) == DB_OK) {
		int made = token_create(db, uid, o.name, o.days, now_sec(), tok, &t, &err) == 0;
		char ids[24];
		snprintf(ids, sizeof ids, "%lld", (long long)t.id);
		if (made && audit_write(db, NULL, "cli", "cli token create", "api_token", ids, 201, o.user) == DB_OK &&
		    db_commit(db) == DB_OK) {
			printf("%s\n", tok);
			rc = 0;
		} else {
			db_rollback(db);
			if (made)
				fprintf(stderr, "zoneops: cannot create token: %s\n", db_errmsg(db));
			else
				print_err(&err);
		}
	}
	db_close(db);
	return rc;
}

/* A unix time as zone time to the minute ("2021-11-03 09:30"), "-" for 0. */
static const char *when(int64_t t, char out[DATETIME_LEN])
{
	if (t == 0)
		return "-";
	datetime_format(t, out);
	out[10] = ' ';
	out[16] = '\0';
	return out;
}

static int cmd_token_list(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(argc, argv, &o);
	if (i < 0)
		return 2;
	if (i != argc) {
		usage_of(current);
		return 2;
	}
	db_t *db = open_db(1);
	if (db == NULL)
		return 1;
	int64_t uid = o.user ? user_id_by_name(db, o.user) : 0;
	if (o.user && uid <= 0) {
		fprintf(stderr, "zoneops: no such user: %s\n", o.user);
		db_close(db);
		return 1;
	}
	arena_t *a = arena_new();
	struct token_info *v;
	int n = token_list(db, a, uid, &v);
	int64_t now = now_sec();
	if (n >= 0)
		printf("%-6s %-20s %-17s %-17s %-17s %s\n", "ID", "USER", "CREATED", "EXPIRES", "LAST USED", "NAME");
	for (int k = 0; k < n; k++) {
		char c[DATETIME_LEN], e[DATETIME_LEN], l[DATETIME_LEN];
		printf("%-6lld %-20s %-17s %-17s %-17s %s%s\n", (long long)v[k].id, v[k].username, when(v[k].created_at, c),
		       when(v[k].expires_at, e), when(v[k].last_used_at, l), v[k].name,
		       v[k].expires_at <= now ? " (expired)" : "");
	}
	if (n < 0)
		fprintf(stderr, "zoneops: cannot list the tokens: %s\n", db_errmsg(db));
	arena_free(a);
	db_close(db);
	return n < 0 ? 1 : 0;
}

static int cmd_token_revoke(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(argc, argv, &o);
	if (i < 0)
		return 2;
	char *end = NULL;
	long long id = i + 1 == argc ? strtoll(argv[i], &end, 10) : 0;
	if (id <= 0 || end == NULL || *end != '\0') {
		usage_of(current);
		return 2;
	}
	db_t *db = open_db(1);
	if (db == NULL)
		return 1;
	int rc = 1, n = -1;
	if (db_begin(db) == DB_OK) {
		n = token_revoke(db, id);
		if (n == 1 && audit_write(db, NULL, "cli", "cli token revoke", "api_token", argv[i], 204, "") == DB_OK &&
		    db_commit(db) == DB_OK)
			rc = 0;
		else
			db_rollback(db);
	}
	if (rc == 0)
		printf("token %lld revoked\n", id);
	else if (n == 0)
		fprintf(stderr, "zoneops: no such token: %lld\n", id);
	else
		fprintf(stderr, "zoneops: cannot revoke the token: %s\n", db_errmsg(db));
	db_close(db);
	return rc;
}

/* A setting's value as `config` shows it: a secret only as "(set)" or "". */
static const char *shown_setting(const char *key, const char *v)
{
	if (v && setting_is_secret(key))
		return v[0] ? "(set)" : "";
	return v ? v : "";
}

static int cmd_config(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(argc, argv, &o);
	if (i < 0)
		return 2;
	int nargs = argc - i;
	const char *verb = nargs > 0 ? argv[i] : "list";
	db_t *db = open_db(1);
	if (db == NULL)
		return 1;
	int rc = 0;
	if (strcmp(verb, "get") == 0 && nargs == 2) {
		char *v = setting_get(db, argv[i + 1]);
		if (v == NULL) {
			fprintf(stderr, "zoneops: unknown setting '%s' (see 'zoneops config list')\n", argv[i + 1]);
			rc = 1;
		} else {
			printf("%s\n", shown_setting(argv[i + 1], v));
		}
		free(v);
	} else if (strcmp(verb, "set") == 0 && nargs == 3) {
		const char *msg;
		if (db_begin(db) != DB_OK || setting_set(db, argv[i + 1], argv[i + 2], &msg) < 0) {
			fprintf(stderr, "zoneops: %s: %s\n", argv[i + 1], db_in_tx(db) ? msg : db_errmsg(db));
			db_rollback(db);
			rc = 1;
		} else {
			audit_write(db, NULL, "cli", "cli config set", "settings", argv[i + 1], 200,
			            setting_is_secret(argv[i + 1]) ? "(hidden)" : argv[i + 2]);
			rc = db_commit(db) == DB_OK ? 0 : 1;
		}
	} else if (strcmp(verb, "list") == 0 && nargs <= 1) {
		for (int k = 0; setting_defs[k].key; k++) {
			char *v = setting_get(db, setting_defs[k].key);
			printf("%-18s %s\n", setting_defs[k].key, shown_setting(setting_defs[k].key, v));
			free(v);
		}
	} else {
		usage_of(current);
		rc = 2;
	}
	db_close(db);
	return rc;
}

static int cmd_backup(int argc, char **argv)
{
	struct opts o;
	int i = parse_opts(argc, argv, &o);
	if (i < 0)
		return 2;
	if (i + 1 != argc) {
		usage_of(current);
		return 2;
	}
	db_t *db = open_db(0);
	if (db == NULL)
		return 1;
	char *err = NULL;
	int rc = db_backup(db, argv[i], &err);
	if (rc < 0)
		fprintf(stderr, "zoneops: backup failed: %s\n", err ? err : "?");
	else
		printf("backup written to %s\n", argv[i]);
	free(err);
	db_close(db);
	return rc < 0 ? 1 : 0;
}

static int cmd_check(int argc, char **argv)
{
	struct opts o;
	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	db_t *db = open_db(0);
	if (db == NULL)
		return 1;
	char *err = NULL;
	int rc = db_check(db, &err);
	if (rc < 0)
		fprintf(stderr, "zoneops: integrity check failed: %s\n", err ? err : "?");
	else
		printf("ok\n");
	free(err);
	db_close(db);
	return rc < 0 ? 1 : 0;
}

/* import/export keep their own options: take --db out, pass the rest on. */
static int with_db_args(int argc, char **argv, int (*fn)(int, char **, db_t *))
{
	char **rest = calloc((size_t)argc + 1, sizeof *rest);
	int n = 0;
	if (rest == NULL)
		return 1;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db_url = argv[++i];
		else if (strncmp(argv[i], "--db=", 5) == 0)
			db_url = argv[i] + 5;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			free(rest);
			usage_of(current);
			return 0;
		} else
			rest[n++] = argv[i];
	}
	db_t *db = open_db(1);
	int rc = db ? fn(n, rest, db) : 1;
	db_close(db);
	free(rest);
	return rc;
}

static int cmd_import(int argc, char **argv) { return with_db_args(argc, argv, cli_import); }
static int cmd_export(int argc, char **argv) { return with_db_args(argc, argv, cli_export); }

static int cmd_import_indicators(int argc, char **argv) { return with_db_args(argc, argv, cli_import_indicators); }
static int cmd_import_targets(int argc, char **argv) { return with_db_args(argc, argv, cli_import_targets); }
static int cmd_report_monthly(int argc, char **argv) { return with_db_args(argc, argv, cli_report_monthly); }

static int cmd_import_race(int argc, char **argv) { return with_db_args(argc, argv, cli_import_race); }
static int cmd_land_evaluate(int argc, char **argv) { return with_db_args(argc, argv, cli_land_evaluate); }
static int cmd_policy_match(int argc, char **argv) { return with_db_args(argc, argv, cli_policy_match); }
static int cmd_import_facts(int argc, char **argv) { return with_db_args(argc, argv, cli_import_facts); }
static int cmd_import_plots(int argc, char **argv) { return with_db_args(argc, argv, cli_import_plots); }

/* zoneops notify ...: the worker of `notify deliver` opens its own connection to the URL */
static int cli_notify_remind(int argc, char **argv, db_t *db)
{
	db_global_init(db_url, NULL);
	return cli_notify(argc, argv, db, remind_scan);
}
static int cmd_notify(int argc, char **argv) { return with_db_args(argc, argv, cli_notify_remind); }

static int cmd_version(int argc, char **argv)
{
	struct opts o;
	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	printf("zoneops %s\n", ZONEOPS_VERSION);
	return 0;
}

static const struct cmd cmds[] = {
	{ "serve", NULL, cmd_serve, "serve [--db URL] [--listen HOST:PORT] [--demo] [--web DIR] [--threads N]\n"
	  "              [--max-body BYTES] [--max-conns N] [--per-ip N] [--header-timeout SEC] [--secure-cookies]\n"
	  "              [--body-timeout SEC] [--body-min-rate BYTES] [--max-uploads N] [--max-uploads-per-user N]\n"
	  "              [--trusted-proxy CIDR]... [--metrics-listen HOST:PORT]",
	  "Run the web server (UI, JSON API). Applies pending migrations first; --demo seeds an empty database\n"
	  "with a demo zone and prints a one-time admin password. A worker thread delivers the notices (WeCom,\n"
	  "DingTalk, webhooks, e-mail) every second and looks for due reminders every minute; with\n"
	  "ZONEOPS_NOTIFY=off in the environment it does not run (run 'zoneops notify deliver' instead)." },
	{ "migrate", NULL, cmd_migrate, "migrate [--db URL]", "Apply pending schema migrations." },
	{ "user", "add", cmd_user_add, "user add NAME --role ROLE [--display-name TEXT] [--unit-id N] [--enterprise-id N]\n"
	  "              [--department-id N] [--must-change]",
	  "Create a user. The password is read from standard input when it is not a terminal.\n"
	  "Roles: admin leader recruiter officer department statistician enterprise.\n"
	  "--must-change: the user must change the password at the first login before anything else." },
	{ "user", "passwd", cmd_user_passwd, "user passwd NAME [--must-change]",
	  "Set a user's password (read like 'user add'), end their sessions and revoke their API tokens.\n"
	  "--must-change: the user must change it at the next login." },
	{ "user", "list", cmd_user_list, "user list", "List users." },
	{ "token", "create", cmd_token_create, "token create --user NAME [--name LABEL] [--days N]",
	  "Create an API token for 'Authorization: Bearer TOKEN', valid N days (default 90, at most 365);\n"
	  "prints the token alone on standard output." },
	{ "token", "list", cmd_token_list, "token list [--user NAME]",
	  "List API tokens (of one user, or everyone's): id, user, created, expires, last used, name." },
	{ "token", "revoke", cmd_token_revoke, "token revoke ID", "Revoke an API token (its id from 'token list')." },
	{ "import", "enterprises", cmd_import, "import enterprises FILE [--dry-run] [--mode all|good] [--format csv|xlsx]",
	  "Import enterprises from CSV (UTF-8 with or without BOM, or GBK) or XLSX. Headers are English field\n"
	  "names or their Chinese labels. --dry-run shows what would change; --mode all (default) writes nothing\n"
	  "when any row is bad, --mode good writes the good rows. Bad rows are listed with their line numbers." },
	{ "export", "enterprises", cmd_export, "export enterprises FILE [--format csv|xlsx]",
	  "Export the enterprise registry to CSV (UTF-8 with BOM) or XLSX (format from the extension by default)." },
	{ "import", "leads", cmd_import_race, "import leads FILE [--dry-run]",
	  "Import qualified-lead records (有效信息) from CSV or XLSX; headers are the API's field names or their\n"
	  "Chinese labels; units and users by id or by name. A bad row writes nothing and is named by its line." },
	{ "import", "projects", cmd_import_race, "import projects FILE [--dry-run]", "Import projects, as 'import leads'." },
	{ "import", "trips", cmd_import_race, "import trips FILE [--dry-run]", "Import trips (外出招商), as 'import leads'." },
	{ "import", "indicators", cmd_import_indicators, "import indicators FILE [--dry-run]",
	  "Import monthly cumulative indicator values from CSV or XLSX with columns period,region,indicator,value\n"
	  "(period 2021-10 = January-October 2021; values in 亿元, fdi_utilised in 亿美元). A period is replaced\n"
	  "as a whole; a file with a bad row writes nothing and names the row's line." },
	{ "import", "targets", cmd_import_targets, "import targets FILE [--dry-run]",
	  "Import annual targets from CSV or XLSX with columns year,region,indicator,value." },
	{ "import", "facts", cmd_import_facts, "import facts FILE [--dry-run] [--mode all|good] [--format csv|xlsx]",
	  "Import enterprises' yearly facts (年度指标) from CSV (UTF-8 or GBK) or XLSX with columns\n"
	  "credit_code,year,fact,value: a fact is a name of GET /api/v1/facts/defs (revenue, tax_paid, ...) or its\n"
	  "Chinese label; values exact with at most 4 decimals (万元 for amounts), yes/no facts 0 or 1. A stored\n"
	  "(credit_code, year, fact) is replaced. --mode all (default) writes nothing when any row is bad, --mode\n"
	  "good writes the good rows; bad rows are listed with their line numbers." },
	{ "import", "plots", cmd_import_plots, "import plots FILE [--dry-run] [--mode all|good] [--format csv|xlsx|geojson]",
	  "Import plots (地块) from CSV, XLSX or a GeoJSON FeatureCollection (each feature a plot, its properties\n"
	  "the columns): code, name, area_mu, street, land_use, status, geometry (GeoJSON text), crs, users\n"
	  "(credit_code:area;credit_code:area), to_move, moved, area_freed_mu, project_id, note. A code that\n"
	  "exists updates that plot. --mode all (default) writes nothing when any row is bad, --mode good writes\n"
	  "the good rows; bad rows are listed with their line (a GeoJSON feature: its index + 1)." },
	{ "report", "monthly", cmd_report_monthly, "report monthly --period YYYY-MM --format md|html|xlsx [-o FILE]",
	  "Write the monthly indicator bulletin: md is a Jekyll post (front matter, the report paragraph and\n"
	  "the table), html a printable page, xlsx the table with numbers as numbers." },
	{ "policy", "match", cmd_policy_match, "policy match CODE --year YYYY",
	  "Match policy CODE (its published version, else its newest) over every enterprise for a year and print\n"
	  "how many are eligible, not eligible, near (one clause short) and unknown, and the total amount (万元)." },
	{ "land", "evaluate", cmd_land_evaluate,
	  "land evaluate --year YYYY [--preset zhejiang|jiangsu] [--scope industrial|all] [--dry-run] [--json]",
	  "Evaluate every enterprise's per-mu efficiency (亩均效益) for a year with a preset's default weights and\n"
	  "benchmarks and store it as a draft evaluation (--dry-run: compute only); print the counts by class and\n"
	  "the seconds it took to read, compute and store (--json: as one JSON object)." },
	{ "notify", NULL, cmd_notify, "notify deliver [--once] | notify scan | notify list [--state STATE] | notify resend ID\n"
	  "              | notify send --kind K --target T [--secret S] [--title T] [--text T]",
	  "The notices' outbox. deliver: send the due notices, retrying failures with backoff (what 'serve' does\n"
	  "in a thread; --once: those due now, then exit; without it: until SIGINT/SIGTERM, and the reminder scan\n"
	  "every minute). scan: one pass of the reminders (due soon, overdue, digests); prints the events made.\n"
	  "list: the outbox (id, state, event, kind, destination, attempts, next attempt, last error), of one\n"
	  "state (pending, sending, sent, dead). resend ID: send a dead or sent notice again. send: one message\n"
	  "to a target now, to try a channel (wecom, dingtalk, webhook, email)." },
	{ "config", NULL, cmd_config, "config get KEY | config set KEY VALUE | config list",
	  "Read or change zone settings (smtp.password is shown only as '(set)')." },
	{ "backup", NULL, cmd_backup, "backup FILE", "Write a consistent copy of the SQLite database to FILE while it is in use\n"
	  "(PostgreSQL: use pg_dump, see docs/operations.md)." },
	{ "check", NULL, cmd_check, "check", "Check the database's integrity." },
	{ "version", NULL, cmd_version, "version", "Print the version." },
};
#define NCMDS ((int)(sizeof cmds / sizeof cmds[0]))

static int usage_of(const struct cmd *c)
{
	if (c == NULL) {
		fprintf(stderr, "usage: zoneops COMMAND [options]   (every command takes --db URL; default $ZONEOPS_DB or sqlite:data/zoneops.db)\n\n");
		for (int i = 0; i < NCMDS; i++)
			fprintf(stderr, "  zoneops %s\n", cmds[i].usage);
		fprintf(stderr, "\n'zoneops COMMAND --help' tells more.\n");
		return 2;
	}
	printf("usage: zoneops %s\n\n%s\n\nOptions: --db URL  sqlite:PATH (default sqlite:data/zoneops.db) or\n"
	       "                  postgresql://user@host:port/dbname; also $ZONEOPS_DB.\n", c->usage, c->help);
	return 0;
}

int main(int argc, char **argv)
{
	db_url = getenv("ZONEOPS_DB");
	if (db_url == NULL || *db_url == '\0')
		db_url = "sqlite:data/zoneops.db";
	/* ZONEOPS_NOW: run as if it were that day (tests, demonstrations) */
	const char *fake_now = getenv("ZONEOPS_NOW");
	if (fake_now && *fake_now) {
		int64_t at;
		if (clock_parse(fake_now, &at) < 0) {
			fprintf(stderr, "zoneops: ZONEOPS_NOW is YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS (zone time) or an ISO 8601 time with\n"
			                "an offset, e.g. 2026-12-21T09:00:00+08:00\n");
			return 2;
		}
		clock_set(at);
	}
	if (auth_init() < 0) {
		fprintf(stderr, "zoneops: libsodium failed to start\n");
		return 1;
	}
	calendar_on_load(requests_recompute_provisional);   /* no calendar cliff (issue 12) */
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_of(NULL);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv);
	for (int i = 0; i < NCMDS; i++) {
		const struct cmd *c = &cmds[i];
		if (strcmp(argv[1], c->name) != 0)
			continue;
		if (c->sub == NULL) {
			current = c;
			return c->fn(argc - 1, argv + 1);
		}
		if (argc >= 3 && strcmp(argv[2], c->sub) == 0) {
			current = c;
			return c->fn(argc - 2, argv + 2);
		}
	}
	for (int i = 0; i < NCMDS; i++)
		if (strcmp(argv[1], cmds[i].name) == 0 && cmds[i].sub) {
			fprintf(stderr, "usage:\n");
			for (int k = 0; k < NCMDS; k++)
				if (strcmp(cmds[k].name, argv[1]) == 0)
					fprintf(stderr, "  zoneops %s\n", cmds[k].usage);
			return 2;
		}
	fprintf(stderr, "zoneops: unknown command '%s'\n\n", argv[1]);
	usage_of(NULL);
	return 2;
}
