/*
 * notify_cli.c -- zoneops notify deliver [--once] | scan | list [--state S]
 * | resend ID | send ...
 *
 * deliver --once delivers every notification due now and exits (cron, or a
 * deployment whose `serve` runs with ZONEOPS_NOTIFY=off); deliver alone
 * runs the worker of `serve` (delivery every second, the reminder scan
 * every minute) until SIGINT or SIGTERM.
 */
#include "deliver.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
	"usage: zoneops notify deliver [--once]   deliver due notices (--once: those due now, then exit)\n"
	"       zoneops notify scan               one pass of the reminders (due, overdue, digests)\n"
	"       zoneops notify list [--state pending|sending|sent|dead]\n"
	"       zoneops notify resend ID          send a dead (or sent) notice again\n"
	"       zoneops notify send --kind K --target T [--secret S] [--title T] [--text T]\n";

static int usage(void)
{
	fputs(USAGE, stderr);
	return 2;
}

static int cmd_deliver(int argc, char **argv, db_t *db, notify_scan_fn scan)
{
	int once = argc == 3 && strcmp(argv[2], "--once") == 0;
	if (argc > 3 || (argc == 3 && !once))
		return usage();
	if (once) {
		char instance[320];
		notify_instance_name(instance, sizeof instance);
		int n = notify_deliver_due(db, instance, NULL);
		if (n < 0) {
			fprintf(stderr, "zoneops: notify deliver: %s\n", db_errmsg(db));
			return 1;
		}
		printf("%d sent\n", n);
		return 0;
	}
	const char *url = db_global_url();
	if (url == NULL)
		return usage();
	/* wait for SIGINT/SIGTERM here while the worker thread works */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	if (notify_worker_start(url, scan) < 0)
		return 1;
	fprintf(stderr, "zoneops: delivering notices (SIGINT or SIGTERM stops)\n");
	int sig = 0;
	sigwait(&stop, &sig);
	fprintf(stderr, "zoneops: stopping\n");
	notify_worker_stop();
	return 0;
}

static int cmd_scan(int argc, char **argv, db_t *db, notify_scan_fn scan)
{
	if (argc != 2 || scan == NULL)
		return usage();
	int n = scan(db, now_sec());
	if (n < 0) {
		fprintf(stderr, "zoneops: notify scan: %s\n", db_errmsg(db));
		return 1;
	}
	printf("%d event(s)\n", n);
	return 0;
}

static int cmd_list(int argc, char **argv, db_t *db)
{
	const char *state = NULL;
	if (argc == 4 && strcmp(argv[2], "--state") == 0)
		state = argv[3];
	else if (argc == 3 && strncmp(argv[2], "--state=", 8) == 0)
		state = argv[2] + 8;
	else if (argc != 2)
		return usage();
	if (state && strcmp(state, "pending") != 0 && strcmp(state, "sending") != 0 && strcmp(state, "sent") != 0 &&
	    strcmp(state, "dead") != 0) {
		fprintf(stderr, "zoneops: --state is pending, sending, sent or dead\n");
		return 2;
	}
	db_stmt_t *st = db_prepare(db,
		"SELECT n.id, n.state, e.kind, n.kind, n.dest, n.attempts, n.next_at, n.last_error"
		" FROM notifications n JOIN notify_events e ON e.id = n.event_id"
		" WHERE $1 = '' OR n.state = $1 ORDER BY n.id");
	if (st == NULL) {
		fprintf(stderr, "zoneops: notify list: %s\n", db_errmsg(db));
		return 1;
	}
	db_bind_text(st, 1, state ? state : "");
	printf("%-8s %-8s %-22s %-9s %-10s %-8s %-25s %s\n", "ID", "STATE", "EVENT", "KIND", "DEST", "ATTEMPTS", "NEXT AT",
	       "LAST ERROR");
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		char at[DATETIME_LEN];
		datetime_format(db_col_int(st, 6), at);
		printf("%-8lld %-8s %-22s %-9s %-10s %-8lld %-25s %s\n", (long long)db_col_int(st, 0), db_col_text(st, 1),
		       db_col_text(st, 2), db_col_text(st, 3), db_col_text(st, 4), (long long)db_col_int(st, 5), at,
		       db_col_text(st, 7));
	}
	db_done(st);
	if (rc != DB_DONE) {
		fprintf(stderr, "zoneops: notify list: %s\n", db_errmsg(db));
		return 1;
	}
	return 0;
}

static int cmd_resend(int argc, char **argv, db_t *db)
{
	char *end = NULL;
	long long id = argc == 3 ? strtoll(argv[2], &end, 10) : 0;
	if (id <= 0 || end == NULL || *end != '\0')
		return usage();
	int n = DB_ERR;
	if (db_begin(db) == DB_OK) {
		n = notify_resend(db, id, now_sec());
		if (n == 1 && (audit_write(db, NULL, "cli", "cli notify resend", "notification", argv[2], 200, "") != DB_OK ||
		               db_commit(db) != DB_OK))
			n = DB_ERR;
		if (n != 1 && db_in_tx(db))
			db_rollback(db);
	}
	if (n == 1) {
		printf("notification %lld will be sent again\n", id);
		return 0;
	}
	if (n == 0)
		fprintf(stderr, "zoneops: no such notification: %lld\n", id);
	else if (n == DB_CONSTRAINT)
		fprintf(stderr, "zoneops: notification %lld is being sent right now\n", id);
	else
		fprintf(stderr, "zoneops: cannot resend notification %lld: %s\n", id, db_errmsg(db));
	return 1;
}

int cli_notify(int argc, char **argv, db_t *db, notify_scan_fn scan)
{
	const char *verb = argc > 1 ? argv[1] : "";
	if (strcmp(verb, "deliver") == 0)
		return cmd_deliver(argc, argv, db, scan);
	if (strcmp(verb, "scan") == 0)
		return cmd_scan(argc, argv, db, scan);
	if (strcmp(verb, "list") == 0)
		return cmd_list(argc, argv, db);
	if (strcmp(verb, "resend") == 0)
		return cmd_resend(argc, argv, db);
	if (strcmp(verb, "send") == 0)
		return cli_notify_send(argc - 1, argv + 1, db);
	return usage();
}
