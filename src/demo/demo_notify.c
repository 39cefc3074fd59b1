/*
 * demo_notify.c -- the demo's reminders (issue 13): three channels, each
 * switched off (a demo must not post into somebody's real group: an admin
 * who puts in a real robot's address and switches one on sees it work), and
 * the outbox of the last days as a running zone would have it: officer01's
 * e-mail told of each new request of the enterprises it serves (sent at the
 * first attempt), and the service center's WeCom group's digest of the
 * last working day given up after notify.max_attempts timeouts (dead: an
 * admin may resend it).  Dated relative to today.
 */
#include "demo/demo_notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/notify.h"
#include "service/service.h"

#define DAY 86400
enum { RECENT_DAYS = 30, MAX_SENT = 12 };

static int fail(db_t *db, char **err, const char *what)
{
	char m[512];
	snprintf(m, sizeof m, "demo seed: notices: %s: %s", what, db_errmsg(db));
	if (err)
		*err = strdup(m);
	else
		fprintf(stderr, "zoneops: %s\n", m);
	return -1;
}

static int64_t insert_channel(db_t *db, const char *kind, const char *name, const char *target, const char *secret,
                              const char *owner_sql, const char *owner_key, const char *events, int64_t now)
{
	static const char *const SQL[] = {
		"INSERT INTO channels (kind, name, target, secret, department_id, events, enabled, created_at, updated_at)"
		" SELECT $1, $2, $3, $4, id, $6, 0, $7, $7 FROM departments WHERE name = $5 RETURNING id",
		"INSERT INTO channels (kind, name, target, secret, unit_id, events, enabled, created_at, updated_at)"
		" SELECT $1, $2, $3, $4, id, $6, 0, $7, $7 FROM units WHERE code = $5 RETURNING id",
		"INSERT INTO channels (kind, name, target, secret, user_id, events, enabled, created_at, updated_at)"
		" SELECT $1, $2, $3, $4, id, $6, 0, $7, $7 FROM users WHERE username = $5 RETURNING id",
	};
	int which = strcmp(owner_sql, "department") == 0 ? 0 : strcmp(owner_sql, "unit") == 0 ? 1 : 2;
	db_stmt_t *st = db_prepare(db, SQL[which]);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, kind);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, target);
	db_bind_text(st, 4, secret);
	db_bind_text(st, 5, owner_key);
	db_bind_text(st, 6, events);
	db_bind_int(st, 7, now);
	int rc = db_step(st);
	int64_t id = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	return rc == DB_ROW || rc == DB_DONE ? id : -1;
}

/* One notification of event ev to channel ch in state (sent | dead), with
 * its attempts: n-1 failures with error, then the last (ok when sent),
 * the first at `at`, each retry after the backoff of the defaults. */
static int insert_notice(db_t *db, int64_t ev, int64_t ch, const char *kind, const char *target, const char *state,
                         int attempts, const char *error, int64_t at)
{
	char dest[32];
	snprintf(dest, sizeof dest, "c:%lld", (long long)ch);
	int sent = strcmp(state, "sent") == 0;
	int64_t t = at;
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO notifications (event_id, dest, kind, target, channel_id, state, attempts, next_at, last_error,"
		" sent_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id");
	if (st == NULL)
		return -1;
	int64_t last = at;
	for (int i = 1; i < attempts; i++)
		last += (int64_t)30 << (i - 1 < 7 ? i - 1 : 7);
	db_bind_int(st, 1, ev);
	db_bind_text(st, 2, dest);
	db_bind_text(st, 3, kind);
	db_bind_text(st, 4, target);
	db_bind_int(st, 5, ch);
	db_bind_text(st, 6, state);
	db_bind_int(st, 7, attempts);
	db_bind_int(st, 8, last);
	db_bind_text(st, 9, sent ? "" : error);
	if (sent)
		db_bind_int(st, 10, last);
	else
		db_bind_null(st, 10);
	db_bind_int(st, 11, at);
	int rc = db_step(st);
	int64_t id = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc != DB_ROW)
		return -1;
	for (int i = 1; i <= attempts; i++) {
		int ok = sent && i == attempts;
		st = db_prepare(db, "INSERT INTO notification_attempts (notification_id, at, instance, ok, http_status, error, ms)"
		                    " VALUES ($1, $2, 'demo:1', $3, $4, $5, $6)");
		if (st == NULL)
			return -1;
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, t);
		db_bind_int(st, 3, ok);
		db_bind_int(st, 4, ok ? 250 : 0);
		db_bind_text(st, 5, ok ? "" : error);
		db_bind_int(st, 6, ok ? 180 + 37 * i : 15000);
		rc = db_step(st);
		db_done(st);
		if (rc != DB_DONE)
			return -1;
		t += (int64_t)30 << (i - 1 < 7 ? i - 1 : 7);
	}
	return 0;
}

/* officer01's e-mail: the events of the new requests of its enterprises in
 * the last RECENT_DAYS, sent. */
static int seed_sent(db_t *db, int64_t mail, int64_t now)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT e.id, e.created_at FROM notify_events e JOIN requests r ON r.id = e.entity_id AND e.entity = 'request'"
		" JOIN enterprises en ON en.id = r.enterprise_id JOIN users u ON u.id = en.officer_id AND u.username = 'officer01'"
		" WHERE e.kind = 'request.submitted' AND e.created_at >= $1 AND e.created_at <= $2 ORDER BY e.created_at DESC, e.id LIMIT 12");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, now - RECENT_DAYS * DAY);
	db_bind_int(st, 2, now);
	int64_t ev[MAX_SENT], at[MAX_SENT];
	int n = 0, rc;
	while (n < MAX_SENT && (rc = db_step(st)) == DB_ROW) {
		ev[n] = db_col_int(st, 0);
		at[n++] = db_col_int(st, 1);
	}
	db_done(st);
	for (int i = 0; i < n; i++)
		if (insert_notice(db, ev[i], mail, "email", "officer01@zone.example", "sent", 1, "", at[i] + 2) < 0)
			return -1;
	return 0;
}

/* The service center's digest of the last working day before today, at
 * 08:30: its group's robot timed out eight times. */
static int seed_dead(db_t *db, int64_t wecom, const char *target, int64_t now)
{
	int64_t day = date_of_unix(now) - 1;
	char d[DATE_LEN];
	for (int i = 0; i < 10; i++, day--) {
		date_format(day, d);
		int w = calendar_is_workday(db, d);
		if (w < 0)
			return -1;
		if (w)
			break;
	}
	int64_t at = date_unix(day) + 8 * 3600 + 30 * 60;   /* 08:30 zone time */
	json_t *p = json_pack("{s:s, s:i, s:i, s:i, s:s}", "department", "企业发展服务中心", "open", 0, "due_soon", 0,
	                      "overdue", 0, "path", "#/requests");
	if (p == NULL)
		return -1;
	db_stmt_t *st = db_prepare(db, "SELECT count(*) FROM requests r JOIN departments dp ON dp.id = r.department_id"
	                               " WHERE dp.name = '企业发展服务中心' AND r.status IN ('accepted', 'in_progress', 'escalated')");
	if (st && db_step(st) == DB_ROW)
		json_object_set_new(p, "open", json_integer(db_col_int(st, 0)));
	db_done(st);
	char key[64];
	snprintf(key, sizeof key, "digest:d:demo:%s", d);
	char *payload = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	st = payload ? db_prepare(db, "INSERT INTO notify_events (event_key, kind, entity, payload, created_at)"
	                              " VALUES ($1, 'digest', 'department', $2, $3) RETURNING id") : NULL;
	int64_t ev = 0;
	if (st) {
		db_bind_text(st, 1, key);
		db_bind_text(st, 2, payload);
		db_bind_int(st, 3, at);
		if (db_step(st) == DB_ROW)
			ev = db_col_int(st, 0);
	}
	db_done(st);
	free(payload);
	if (ev <= 0)
		return -1;
	return insert_notice(db, ev, wecom, "wecom", target, "dead", 8,
	                     "Connection timed out after 5000 milliseconds (qyapi.weixin.qq.com)", at);
}

int demo_seed_notify(db_t *db, int64_t now, char **err)
{
	static const char WECOM[] = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=00000000-0000-0000-0000-000000000000";
	int64_t wecom = insert_channel(db, "wecom", "企业发展服务中心值班群", WECOM, "", "department", "企业发展服务中心", "", now);
	int64_t ding = insert_channel(db, "dingtalk", "招商局工作群", "https://oapi.dingtalk.com/robot/send?access_token=demo",
	                              "SECdemo-signing-secret", "unit", "ib", "race.quota_at_risk,digest", now);
	int64_t mail = insert_channel(db, "email", "我的邮箱", "officer01@zone.example", "", "user", "officer01",
	                              "request.submitted,request.overdue,digest", now);
	if (wecom <= 0 || ding < 0 || mail <= 0)
		return fail(db, err, "channels");
	if (seed_sent(db, mail, now) < 0 || seed_dead(db, wecom, WECOM, now) < 0)
		return fail(db, err, "the outbox");
	return 0;
}
