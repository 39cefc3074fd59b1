/*
 * test_notify_outbox.c -- the durable outbox (src/notify/outbox.c) and its
 * delivery (deliver.c) on a temporary SQLite store, or on the database of
 * $ZONEOPS_TEST_DB (PostgreSQL: see testutil.h).
 *
 * notify_emit: idempotent by key; the fan-out rules (disabled channels,
 * the channels' and the users' event filters, quiet hours, leaders, the
 * enterprise's e-mail) -- each test once through notify_emit and once
 * through a notify_batch (the event given twice, so that the batch takes
 * its bulk path and drops the second), against the same expectations;
 * a batch of several events to different people, with a key recorded
 * before.  notify_deliver_once with notify_sender set to a
 * fake: sent; the backoff times; dead after notify.max_attempts; a row
 * whose lease ran out is claimed again; the outcome of a row another
 * instance took over is not written; resend.
 *
 * Times are written out by hand (zone time is UTC+8):
 *   T10   2026-12-07T10:00:00+08:00 = 1796608800
 *   T0300 2026-12-07T03:00:00+08:00 = 1796583600
 *   T0700 2026-12-07T07:00:00+08:00 = 1796598000
 *   T1200 2026-12-07T12:00:00+08:00 = 1796616000
 *   T1400 2026-12-07T14:00:00+08:00 = 1796623200
 *   T2330 2026-12-07T23:30:00+08:00 = 1796657400
 *   N0700 2026-12-08T07:00:00+08:00 = 1796684400 (the next morning)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "notify/notify.h"
#include "testutil.h"

#define T10 INT64_C(1796608800)
#define T0300 INT64_C(1796583600)
#define T0700 INT64_C(1796598000)
#define T1200 INT64_C(1796616000)
#define T1400 INT64_C(1796623200)
#define T2330 INT64_C(1796657400)
#define N0700 INT64_C(1796684400)

static testdb_t T;
static struct fixture F;
static db_t *db;

static int via_batch;   /* emit() through a notify_batch */

static int64_t uid(int role) { return fixture_as(&F, role)->id; }

static int group_setup(void **state)
{
	if (testdb_open(&T, "notify_outbox", 1, 1) < 0 || testdb_fixture(T.db, &F) < 0)
		return -1;
	db = T.db;
	return 0;
}

static int group_teardown(void **state)
{
	testdb_close(&T);
	return 0;
}

static void exec_ok(const char *sql)
{
	assert_int_equal(db_exec(db, sql), DB_OK);
}

/* Every test starts from an empty outbox, no channels, no preferences. */
static int reset(void **state)
{
	via_batch = 0;
	exec_ok("DELETE FROM notification_attempts; DELETE FROM notifications; DELETE FROM notify_events;"
	        " DELETE FROM channels; DELETE FROM notify_prefs; UPDATE enterprises SET contact_email = '';"
	        " DELETE FROM settings WHERE key LIKE 'notify.%'");
	return 0;
}

static int reset_batch(void **state)
{
	reset(state);
	via_batch = 1;
	return 0;
}

/* A channel of a department, a unit or a user (owner "department_id",
 * "unit_id" or "user_id"). */
static int64_t channel(const char *owner, int64_t owner_id, const char *kind, const char *target, const char *secret,
                       const char *events, int enabled)
{
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO channels (kind, target, secret, department_id, unit_id, user_id, events, enabled, created_at,"
		" updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0) RETURNING id");
	assert_non_null(st);
	db_bind_text(st, 1, kind);
	db_bind_text(st, 2, target);
	db_bind_text(st, 3, secret);
	const char *owners[3] = { "department_id", "unit_id", "user_id" };
	for (int i = 0; i < 3; i++) {
		if (strcmp(owner, owners[i]) == 0)
			db_bind_int(st, 4 + i, owner_id);
		else
			db_bind_null(st, 4 + i);
	}
	db_bind_text(st, 7, events);
	db_bind_int(st, 8, enabled);
	assert_int_equal(db_step(st), DB_ROW);
	int64_t id = db_col_int(st, 0);
	db_done(st);
	return id;
}

static void prefs(int64_t user, const char *events, const char *from, const char *to, const char *email, const char *lang)
{
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO notify_prefs (user_id, events, quiet_from, quiet_to, email, lang, updated_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, 0)");
	assert_non_null(st);
	db_bind_int(st, 1, user);
	db_bind_text(st, 2, events);
	db_bind_text(st, 3, from);
	db_bind_text(st, 4, to);
	db_bind_text(st, 5, email);
	db_bind_text(st, 6, lang);
	assert_int_equal(db_step(st), DB_DONE);
	db_done(st);
}

static int64_t event_id(const char *key)
{
	const char *p[1] = { key };
	return db_int1(db, "SELECT id FROM notify_events WHERE event_key = $1", -1, 1, p);
}

/* notify_emit in a transaction of its own, or a batch of the event twice;
 * the event's id. */
static int64_t emit(const char *kind, const char *key, const struct notify_to *to, int64_t now)
{
	json_t *payload = json_pack("{s:s}", "title", key);
	int64_t id = -1;
	assert_int_equal(db_begin(db), DB_OK);
	if (via_batch) {
		struct notify_batch *b = notify_batch_new(db, now);
		assert_non_null(b);
		assert_int_equal(notify_batch_add(b, kind, key, "request", 42, payload, to), DB_OK);
		assert_int_equal(notify_batch_add(b, kind, key, "request", 42, payload, to), DB_OK);
		int n = -1;
		assert_int_equal(notify_batch_flush(b, &n), DB_OK);
		assert_true(n == 0 || n == 1);
		notify_batch_free(b);
		id = event_id(key);
	} else {
		assert_int_equal(notify_emit(db, kind, key, "request", 42, payload, to, now, &id), DB_OK);
	}
	assert_int_equal(db_commit(db), DB_OK);
	json_decref(payload);
	assert_true(id > 0);
	return id;
}

static int64_t count(const char *sql, int64_t arg)
{
	db_stmt_t *st = db_prepare(db, sql);
	assert_non_null(st);
	db_bind_int(st, 1, arg);
	assert_int_equal(db_step(st), DB_ROW);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static int64_t nrows(int64_t event) { return count("SELECT count(*) FROM notifications WHERE event_id = $1", event); }

/* The notification of event to dest: 1 and its fields, or 0 when there is none. */
struct row {
	int64_t id, next_at, attempts, channel_id, user_id, enterprise_id, sent_at, locked_until;
	char kind[16], target[128], lang[4], state[12], last_error[128], locked_by[64];
};
static int row_of(int64_t event, const char *dest, struct row *r)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT id, next_at, attempts, channel_id, user_id, enterprise_id, sent_at, kind, target, lang, state,"
		" last_error, locked_by, locked_until FROM notifications WHERE event_id = $1 AND dest = $2");
	assert_non_null(st);
	db_bind_int(st, 1, event);
	db_bind_text(st, 2, dest);
	int rc = db_step(st);
	memset(r, 0, sizeof *r);
	if (rc == DB_ROW) {
		r->id = db_col_int(st, 0);
		r->next_at = db_col_int(st, 1);
		r->attempts = db_col_int(st, 2);
		r->channel_id = db_col_int(st, 3);
		r->user_id = db_col_int(st, 4);
		r->enterprise_id = db_col_int(st, 5);
		r->sent_at = db_col_int(st, 6);
		snprintf(r->kind, sizeof r->kind, "%s", db_col_text(st, 7));
		snprintf(r->target, sizeof r->target, "%s", db_col_text(st, 8));
		snprintf(r->lang, sizeof r->lang, "%s", db_col_text(st, 9));
		snprintf(r->state, sizeof r->state, "%s", db_col_text(st, 10));
		snprintf(r->last_error, sizeof r->last_error, "%s", db_col_text(st, 11));
		snprintf(r->locked_by, sizeof r->locked_by, "%s", db_col_text(st, 12));
		r->locked_until = db_col_int(st, 13);
	}
	db_done(st);
	return rc == DB_ROW;
}

static const char *dest_of(char prefix, int64_t id)
{
	static char buf[4][32];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%c:%lld", prefix, (long long)id);
	return buf[k];
}

/* ---- emitting ---- */

static void test_emit_idempotent(void **state)
{
	int64_t dept = channel("department_id", F.department_id, "wecom", "https://qyapi.weixin.qq.com/x", "", "", 1);
	struct notify_to to = { .depts = &F.department_id, .ndepts = 1 };
	int64_t e1 = emit(NE_REQUEST_ASSIGNED, "request.assigned:42", &to, T10);
	assert_int_equal(nrows(e1), 1);
	/* the same key again, even later and to more people: the first event, nothing more */
	int64_t users[1] = { uid(ROLE_OFFICER) };
	prefs(users[0], "", "", "", "officer@example.cn", "zh");
	struct notify_to more = { .depts = &F.department_id, .ndepts = 1, .users = users, .nusers = 1, .leaders = 1 };
	int64_t e2 = emit(NE_REQUEST_ASSIGNED, "request.assigned:42", &more, T10 + 100);
	assert_int_equal(e2, e1);
	assert_int_equal(nrows(e1), 1);
	assert_int_equal(count("SELECT count(*) FROM notify_events WHERE id >= $1", e1), 1);
	struct row r;
	assert_true(row_of(e1, dest_of('c', dept), &r));
	assert_string_equal(r.state, "pending");
	assert_int_equal(r.next_at, T10);
	assert_int_equal(r.attempts, 0);
	assert_int_equal(r.channel_id, dept);
	assert_string_equal(r.kind, "wecom");
	assert_string_equal(r.target, "https://qyapi.weixin.qq.com/x");
	/* the payload is the first emit's */
	db_stmt_t *st = db_prepare(db, "SELECT payload, kind, entity, entity_id FROM notify_events WHERE id = $1");
	db_bind_int(st, 1, e1);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "{\"title\":\"request.assigned:42\"}");
	assert_string_equal(db_col_text(st, 1), NE_REQUEST_ASSIGNED);
	assert_string_equal(db_col_text(st, 2), "request");
	assert_int_equal(db_col_int(st, 3), 42);
	db_done(st);
	/* a rolled-back emit leaves nothing: the key is free again */
	assert_int_equal(db_begin(db), DB_OK);
	assert_int_equal(notify_emit(db, NE_REQUEST_ASSIGNED, "request.assigned:43", "request", 43, NULL, &to, T10, NULL),
	                 DB_OK);
	assert_int_equal(db_rollback(db), DB_OK);
	const char *p[1] = { "request.assigned:43" };
	assert_int_equal(db_int1(db, "SELECT count(*) FROM notify_events WHERE event_key = $1", -1, 1, p), 0);
}

/* Disabled channels get nothing; a channel's events filter; a secret is
 * never copied; departments and units in Chinese. */
static void test_fanout_channels(void **state)
{
	int64_t d_all = channel("department_id", F.department_id, "webhook", "https://hooks.example.cn/a", "s3cret", "", 1);
	int64_t d_off = channel("department_id", F.department_id, "wecom", "https://qyapi.weixin.qq.com/off", "", "", 0);
	int64_t u_yes = channel("unit_id", F.unit_id, "dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=1",
	                        "dsecret", "finding.due, request.overdue", 1);
	int64_t u_no = channel("unit_id", F.unit_id, "wecom", "https://qyapi.weixin.qq.com/no", "", "request.submitted", 1);
	/* request.overdue must not match a prefix or a longer name */
	int64_t u_pre = channel("unit_id", F.unit_id, "wecom", "https://qyapi.weixin.qq.com/pre", "", "request,request.overdue2", 1);
	struct notify_to to = { .depts = &F.department_id, .ndepts = 1, .units = &F.unit_id, .nunits = 1 };
	int64_t e = emit(NE_REQUEST_OVERDUE, "request.overdue:42:2026-12-07:handler", &to, T10);
	struct row r;
	assert_int_equal(nrows(e), 2);
	assert_true(row_of(e, dest_of('c', d_all), &r));
	assert_string_equal(r.kind, "webhook");
	assert_string_equal(r.target, "https://hooks.example.cn/a");
	assert_string_equal(r.lang, "zh");
	assert_int_equal(r.user_id, 0);
	assert_true(row_of(e, dest_of('c', u_yes), &r));
	assert_string_equal(r.kind, "dingtalk");
	assert_false(row_of(e, dest_of('c', d_off), &r));
	assert_false(row_of(e, dest_of('c', u_no), &r));
	assert_false(row_of(e, dest_of('c', u_pre), &r));
	/* no column of the outbox holds a secret */
	assert_int_equal(count("SELECT count(*) FROM notifications WHERE event_id = $1 AND (target LIKE '%s3cret%'"
	                       " OR target LIKE '%dsecret%')", e), 0);
	/* a department with no channels, a unit id of nobody: nothing, no error */
	int64_t nobody = 999999;
	struct notify_to none = { .depts = &nobody, .ndepts = 1, .units = &nobody, .nunits = 1 };
	assert_int_equal(nrows(emit(NE_REQUEST_OVERDUE, "request.overdue:43", &none, T10)), 0);
}

/* A user's channels and e-mail, in their language; their events filter
 * holds for both. */
static void test_fanout_prefs(void **state)
{
	int64_t off = uid(ROLE_OFFICER), rec = uid(ROLE_RECRUITER), stat = uid(ROLE_STATISTICIAN);
	int64_t c_off = channel("user_id", off, "webhook", "https://hooks.example.cn/officer", "k", "", 1);
	int64_t c_rec = channel("user_id", rec, "wecom", "https://qyapi.weixin.qq.com/rec", "", "", 1);
	int64_t c_stat = channel("user_id", stat, "wecom", "https://qyapi.weixin.qq.com/stat", "", "digest", 1);
	prefs(off, "request.submitted,request.rated_low", "", "", "officer@example.cn", "en");
	prefs(rec, "digest", "", "", "rec@example.cn", "zh");
	/* stat: no prefs row -- every kind, no e-mail, Chinese */
	int64_t users[3] = { off, rec, stat };
	struct notify_to to = { .users = users, .nusers = 3 };
	int64_t e = emit(NE_REQUEST_SUBMITTED, "request.submitted:42", &to, T10);
	struct row r;
	assert_int_equal(nrows(e), 2);
	assert_true(row_of(e, dest_of('c', c_off), &r));
	assert_string_equal(r.lang, "en");
	assert_int_equal(r.user_id, off);
	assert_int_equal(r.next_at, T10);
	assert_true(row_of(e, dest_of('u', off), &r));
	assert_string_equal(r.kind, "email");
	assert_string_equal(r.target, "officer@example.cn");
	assert_string_equal(r.lang, "en");
	assert_int_equal(r.user_id, off);
	assert_int_equal(r.channel_id, 0);
	/* rec wants digests only: neither their channel nor their e-mail */
	assert_false(row_of(e, dest_of('c', c_rec), &r));
	assert_false(row_of(e, dest_of('u', rec), &r));
	/* stat's channel takes digests only */
	assert_false(row_of(e, dest_of('c', c_stat), &r));
	/* a digest: rec's channel and e-mail, stat's channel */
	e = emit(NE_DIGEST, "digest:2026-12-07", &to, T10);
	assert_int_equal(nrows(e), 3);
	assert_true(row_of(e, dest_of('c', c_rec), &r));
	assert_string_equal(r.lang, "zh");
	assert_true(row_of(e, dest_of('u', rec), &r));
	assert_true(row_of(e, dest_of('c', c_stat), &r));
	/* a disabled channel of a user: nothing */
	exec_ok("UPDATE channels SET enabled = 0");
	e = emit(NE_DIGEST, "digest:2026-12-08", &to, T10);
	assert_int_equal(nrows(e), 1);
	assert_true(row_of(e, dest_of('u', rec), &r));
}

/* Quiet hours move next_at to their end, across midnight too; only for
 * the user's own destinations. */
static void test_quiet_hours(void **state)
{
	int64_t off = uid(ROLE_OFFICER), rec = uid(ROLE_RECRUITER);
	prefs(off, "", "22:00", "07:00", "officer@example.cn", "zh");   /* wraps midnight */
	prefs(rec, "", "12:00", "14:00", "rec@example.cn", "zh");       /* lunch */
	int64_t c_off = channel("user_id", off, "wecom", "https://qyapi.weixin.qq.com/o", "", "", 1);
	int64_t c_dept = channel("department_id", F.department_id, "wecom", "https://qyapi.weixin.qq.com/d", "", "", 1);
	int64_t users[2] = { off, rec };
	struct notify_to to = { .users = users, .nusers = 2, .depts = &F.department_id, .ndepts = 1 };
	struct row r;
	struct { int64_t now, off_at, rec_at; } cases[] = {
		{ T2330, N0700, T2330 },     /* 23:30: quiet until 07:00 tomorrow */
		{ T0300, T0700, T0300 },     /* 03:00: until 07:00 today */
		{ T0700, T0700, T0700 },     /* 07:00: the end is not quiet any more */
		{ T0700 - 60, T0700, T0700 - 60 },
		{ T10, T10, T10 },           /* 10:00: not quiet */
		{ T1200, T1200, T1400 },     /* 12:00: rec's lunch until 14:00 */
		{ T1400 - 1, T1400 - 1, T1400 },
		{ T1400, T1400, T1400 },
		{ T2330 - 90 * 60, T2330 - 90 * 60 + 0, T2330 - 90 * 60 },  /* 22:00 sharp ... */
	};
	cases[8].off_at = N0700;   /* ... is quiet: until 07:00 tomorrow */
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char key[32];
		snprintf(key, sizeof key, "quiet:%zu", i);
		int64_t e = emit(NE_REQUEST_SUBMITTED, key, &to, cases[i].now);
		assert_int_equal(nrows(e), 4);
		assert_true(row_of(e, dest_of('c', c_off), &r));
		assert_int_equal(r.next_at, cases[i].off_at);
		assert_true(row_of(e, dest_of('u', off), &r));
		assert_int_equal(r.next_at, cases[i].off_at);
		assert_true(row_of(e, dest_of('u', rec), &r));
		assert_int_equal(r.next_at, cases[i].rec_at);
		assert_true(row_of(e, dest_of('c', c_dept), &r));
		assert_int_equal(r.next_at, cases[i].now);
	}
}

/* to->leaders: every leader's channels and e-mail; a leader also named in
 * users is one destination. */
static void test_leaders(void **state)
{
	int64_t lead = uid(ROLE_LEADER);
	prefs(lead, "", "", "", "leader@example.cn", "en");
	int64_t c_lead = channel("user_id", lead, "dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=L", "x", "", 1);
	struct notify_to to = { .leaders = 1 };
	int64_t e = emit(NE_BATCH_PENDING, "policy.batch_pending:7", &to, T10);
	struct row r;
	assert_true(row_of(e, dest_of('c', c_lead), &r));
	assert_string_equal(r.lang, "en");
	assert_true(row_of(e, dest_of('u', lead), &r));
	assert_string_equal(r.target, "leader@example.cn");
	assert_int_equal(nrows(e), 2);
	/* only leaders: the officer's channel is not reached */
	int64_t c_off = channel("user_id", uid(ROLE_OFFICER), "wecom", "https://qyapi.weixin.qq.com/o", "", "", 1);
	int64_t users[2] = { lead, uid(ROLE_OFFICER) };
	struct notify_to both = { .users = users, .nusers = 1, .leaders = 1 };   /* the leader in users too */
	e = emit(NE_REQUEST_RATED_LOW, "request.rated_low:42", &both, T10);
	assert_true(row_of(e, dest_of('c', c_lead), &r));
	assert_true(row_of(e, dest_of('u', lead), &r));
	assert_false(row_of(e, dest_of('c', c_off), &r));
	assert_int_equal(nrows(e), 2);   /* the leader named twice: once */
	/* not leaders: the leader gets nothing */
	struct notify_to no = { .users = users + 1, .nusers = 1 };
	e = emit(NE_REQUEST_RATED_LOW, "request.rated_low:43", &no, T10);
	assert_false(row_of(e, dest_of('u', lead), &r));
	assert_true(row_of(e, dest_of('c', c_off), &r));
}

/* The enterprise's contact e-mail and its accounts' e-mail (if their
 * prefs want the kind). */
static void test_enterprise(void **state)
{
	int64_t ent = F.enterprise_id, acct = uid(ROLE_ENTERPRISE);
	struct notify_to to = { .enterprise_id = ent };
	struct row r;
	/* no contact e-mail, no prefs: nothing */
	int64_t e = emit(NE_REQUEST_ASSIGNED, "ent:1", &to, T10);
	assert_int_equal(nrows(e), 0);
	db_stmt_t *st = db_prepare(db, "UPDATE enterprises SET contact_email = 'boss@firm.example.cn' WHERE id = $1");
	db_bind_int(st, 1, ent);
	assert_int_equal(db_step(st), DB_DONE);
	db_done(st);
	prefs(acct, "", "22:00", "07:00", "clerk@firm.example.cn", "en");
	e = emit(NE_REQUEST_ASSIGNED, "ent:2", &to, T2330);
	assert_int_equal(nrows(e), 2);
	assert_true(row_of(e, dest_of('e', ent), &r));
	assert_string_equal(r.kind, "email");
	assert_string_equal(r.target, "boss@firm.example.cn");
	assert_string_equal(r.lang, "zh");
	assert_int_equal(r.enterprise_id, ent);
	assert_int_equal(r.next_at, T2330);
	assert_true(row_of(e, dest_of('u', acct), &r));
	assert_string_equal(r.target, "clerk@firm.example.cn");
	assert_string_equal(r.lang, "en");
	assert_int_equal(r.next_at, N0700);   /* the account's quiet hours */
	assert_int_equal(r.enterprise_id, ent);
	/* the account does not want this kind: only the contact e-mail */
	exec_ok("UPDATE notify_prefs SET events = 'digest'");
	e = emit(NE_REQUEST_ASSIGNED, "ent:3", &to, T10);
	assert_int_equal(nrows(e), 1);
	assert_true(row_of(e, dest_of('e', ent), &r));
}

/* A batch of several events: each fans out to its own people, a key
 * given twice or recorded before fans out once, *emitted counts the new. */
static void test_batch(void **state)
{
	int64_t lead = uid(ROLE_LEADER), off = uid(ROLE_OFFICER);
	prefs(lead, "", "", "", "leader@example.cn", "en");
	prefs(off, NE_DIGEST, "22:00", "07:00", "officer@example.cn", "zh");
	int64_t c_dept = channel("department_id", F.department_id, "wecom", "https://qyapi.weixin.qq.com/d", "", "", 1);
	int64_t c_unit = channel("unit_id", F.unit_id, "webhook", "https://hooks.example.cn/u", "", NE_QUOTA_AT_RISK, 1);
	int64_t c_off = channel("user_id", off, "dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=O", "", "", 1);
	struct notify_to to_dept = { .depts = &F.department_id, .ndepts = 1 };
	int64_t before = emit(NE_REQUEST_ASSIGNED, "k:before", &to_dept, T10);
	assert_int_equal(nrows(before), 1);

	struct notify_to leaders = { .leaders = 1 }, officer = { .users = &off, .nusers = 1 };
	struct notify_to unit = { .units = &F.unit_id, .nunits = 1, .users = &off, .nusers = 1 };
	struct notify_batch *b = notify_batch_new(db, T2330);
	assert_non_null(b);
	assert_int_equal(notify_batch_add(b, NE_REQUEST_OVERDUE, "k:1", "request", 1, NULL, &leaders), DB_OK);
	assert_int_equal(notify_batch_add(b, NE_DIGEST, "k:2", "user", off, NULL, &officer), DB_OK);
	assert_int_equal(notify_batch_add(b, NE_REQUEST_ASSIGNED, "k:before", "request", 42, NULL, &leaders), DB_OK);
	assert_int_equal(notify_batch_add(b, NE_REQUEST_OVERDUE, "k:1", "request", 1, NULL, &officer), DB_OK);
	assert_int_equal(notify_batch_add(b, NE_QUOTA_AT_RISK, "k:3", "unit", F.unit_id, NULL, &unit), DB_OK);
	assert_int_equal(notify_batch_add(b, NE_REQUEST_OVERDUE, "k:4", "request", 4, NULL, &officer), DB_OK);
	int64_t zero = 0;   /* no such user, department or unit: nobody, as notify_emit */
	struct notify_to nobody = { .users = &zero, .nusers = 1, .depts = &zero, .ndepts = 1, .units = &zero, .nunits = 1 };
	assert_int_equal(notify_batch_add(b, NE_REQUEST_OVERDUE, "k:5", "request", 5, NULL, &nobody), DB_OK);
	int n = -1;
	assert_int_equal(db_begin(db), DB_OK);
	assert_int_equal(notify_batch_flush(b, &n), DB_OK);
	assert_int_equal(db_commit(db), DB_OK);
	assert_int_equal(n, 5);   /* k:1 k:2 k:3 k:4 k:5 */
	struct row r;
	/* k:1 to the leaders (their prefs: every kind, English, no quiet hours); its second add is dropped */
	int64_t e1 = event_id("k:1");
	assert_int_equal(nrows(e1), 1);
	assert_true(row_of(e1, dest_of('u', lead), &r));
	assert_string_equal(r.lang, "en");
	assert_int_equal(r.next_at, T2330);
	/* k:2 a digest to the officer, who wants only digests: the channel and the e-mail, after the quiet hours */
	int64_t e2 = event_id("k:2");
	assert_int_equal(nrows(e2), 2);
	assert_true(row_of(e2, dest_of('c', c_off), &r));
	assert_int_equal(r.next_at, N0700);
	assert_int_equal(r.user_id, off);
	assert_true(row_of(e2, dest_of('u', off), &r));
	assert_string_equal(r.target, "officer@example.cn");
	assert_int_equal(r.next_at, N0700);
	/* recorded before: still its one department row */
	assert_int_equal(event_id("k:before"), before);
	assert_int_equal(nrows(before), 1);
	assert_true(row_of(before, dest_of('c', c_dept), &r));
	/* k:3: the unit's channel (it takes quota notices), in Chinese, now; not the officer (he wants digests only) */
	int64_t e3 = event_id("k:3");
	assert_int_equal(nrows(e3), 1);
	assert_true(row_of(e3, dest_of('c', c_unit), &r));
	assert_string_equal(r.lang, "zh");
	assert_int_equal(r.next_at, T2330);
	assert_int_equal(r.user_id, 0);
	/* k:4 the officer does not want it: an event with no rows */
	int64_t e4 = event_id("k:4");
	assert_true(e4 > e3 && e3 > e2 && e2 > e1);   /* ids in the order given */
	assert_int_equal(nrows(e4), 0);
	assert_int_equal(nrows(event_id("k:5")), 0);
	/* the same batch once more: nothing new */
	assert_int_equal(notify_batch_add(b, NE_REQUEST_OVERDUE, "k:1", "request", 1, NULL, &leaders), DB_OK);
	assert_int_equal(notify_batch_add(b, NE_DIGEST, "k:2", "user", off, NULL, &officer), DB_OK);
	assert_int_equal(db_begin(db), DB_OK);
	assert_int_equal(notify_batch_flush(b, &n), DB_OK);
	assert_int_equal(db_commit(db), DB_OK);
	assert_int_equal(n, 0);
	assert_int_equal(nrows(e1) + nrows(e2), 3);
	notify_batch_free(b);
}

/* ---- delivering, with a fake sender ---- */

static struct {
	int calls, fail;
	char kind[16], target[128], secret[64], event_id[32], error[64];
	const char *steal_by;   /* set: the row is taken over by this instance during the send */
	int64_t steal_id;
} fake;

static int fake_sender(const struct notify_conf *c, const struct notify_dest *d, const struct notify_msg *m,
                       int64_t now_ms, struct notify_result *res)
{
	fake.calls++;
	snprintf(fake.kind, sizeof fake.kind, "%s", d->kind);
	snprintf(fake.target, sizeof fake.target, "%s", d->target);
	snprintf(fake.secret, sizeof fake.secret, "%s", d->secret);
	snprintf(fake.event_id, sizeof fake.event_id, "%s", m->event_id);
	memset(res, 0, sizeof *res);
	res->ms = 7;
	if (fake.steal_by) {
		db_stmt_t *st = db_prepare(db, "UPDATE notifications SET locked_by = $1, locked_until = locked_until + 600,"
		                               " attempts = attempts + 1 WHERE id = $2");
		db_bind_text(st, 1, fake.steal_by);
		db_bind_int(st, 2, fake.steal_id);
		assert_int_equal(db_step(st), DB_DONE);
		db_done(st);
	}
	if (fake.fail) {
		res->http_status = 502;
		snprintf(res->error, sizeof res->error, "%s", fake.error[0] ? fake.error : "bad gateway");
		return -1;
	}
	res->http_status = 200;
	return 0;
}

static int reset_deliver(void **state)
{
	reset(state);
	memset(&fake, 0, sizeof fake);
	notify_sender = fake_sender;
	return 0;
}

static void setting(const char *key, const char *value)
{
	const char *msg = NULL;
	assert_int_equal(setting_set(db, key, value, &msg), 0);
}

static int64_t attempts_of(int64_t id, int ok)
{
	db_stmt_t *st = db_prepare(db, "SELECT count(*) FROM notification_attempts WHERE notification_id = $1 AND ok = $2");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, ok);
	assert_int_equal(db_step(st), DB_ROW);
	int64_t n = db_col_int(st, 0);
	db_done(st);
	return n;
}

static void test_deliver_sent(void **state)
{
	int64_t ch = channel("department_id", F.department_id, "webhook", "https://hooks.example.cn/a", "s3cret", "", 1);
	struct notify_to to = { .depts = &F.department_id, .ndepts = 1 };
	int64_t e = emit(NE_REQUEST_ASSIGNED, "deliver:1", &to, T10);
	/* not due yet */
	assert_int_equal(notify_deliver_once(db, "host-a:1", 10, T10 - 1), 0);
	assert_int_equal(fake.calls, 0);
	assert_int_equal(notify_deliver_once(db, "host-a:1", 10, T10), 1);
	assert_int_equal(fake.calls, 1);
	assert_string_equal(fake.kind, "webhook");
	assert_string_equal(fake.target, "https://hooks.example.cn/a");
	assert_string_equal(fake.secret, "s3cret");   /* read from the channel at sending */
	char want[32];
	snprintf(want, sizeof want, "zo-%lld", (long long)e);
	assert_string_equal(fake.event_id, want);
	struct row r;
	assert_true(row_of(e, dest_of('c', ch), &r));
	assert_string_equal(r.state, "sent");
	assert_int_equal(r.sent_at, T10);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(attempts_of(r.id, 1), 1);
	db_stmt_t *st = db_prepare(db, "SELECT at, instance, http_status, error, ms FROM notification_attempts WHERE notification_id = $1");
	db_bind_int(st, 1, r.id);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int(st, 0), T10);
	assert_string_equal(db_col_text(st, 1), "host-a:1");
	assert_int_equal(db_col_int(st, 2), 200);
	assert_string_equal(db_col_text(st, 3), "");
	assert_int_equal(db_col_int(st, 4), 7);
	db_done(st);
	/* sent is sent: nothing more */
	assert_int_equal(notify_deliver_once(db, "host-a:1", 10, T10 + 86400), 0);
	assert_int_equal(fake.calls, 1);
	/* a user's e-mail: kind email, no secret */
	prefs(uid(ROLE_OFFICER), "", "", "", "officer@example.cn", "en");
	int64_t users[1] = { uid(ROLE_OFFICER) };
	struct notify_to to2 = { .users = users, .nusers = 1 };
	e = emit(NE_REQUEST_SUBMITTED, "deliver:2", &to2, T10);
	assert_int_equal(notify_deliver_once(db, "host-a:1", 10, T10), 1);
	assert_string_equal(fake.kind, "email");
	assert_string_equal(fake.target, "officer@example.cn");
	assert_string_equal(fake.secret, "");
}

/* A failure waits retry_base * 2^(attempts-1) seconds, at most an hour,
 * and after max_attempts the row is dead. */
static void test_deliver_backoff(void **state)
{
	setting("notify.retry_base", "30");
	setting("notify.max_attempts", "4");
	channel("department_id", F.department_id, "wecom", "https://qyapi.weixin.qq.com/x", "", "", 1);
	struct notify_to to = { .depts = &F.department_id, .ndepts = 1 };
	int64_t e = emit(NE_REQUEST_ASSIGNED, "backoff:1", &to, T10);
	fake.fail = 1;
	struct row r;
	const char *dest = NULL;
	db_stmt_t *st = db_prepare(db, "SELECT dest FROM notifications WHERE event_id = $1");
	db_bind_int(st, 1, e);
	assert_int_equal(db_step(st), DB_ROW);
	char d[32];
	snprintf(d, sizeof d, "%s", db_col_text(st, 0));
	db_done(st);
	dest = d;
	/* attempt 1 at T10 fails: again at T10 + 30 */
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10), 0);
	assert_true(row_of(e, dest, &r));
	assert_string_equal(r.state, "pending");
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.next_at, T10 + 30);
	assert_string_equal(r.last_error, "bad gateway");
	assert_string_equal(r.locked_by, "");
	/* not before */
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10 + 29), 0);
	assert_int_equal(fake.calls, 1);
	/* attempt 2 at T10 + 30: again 60 s later, at T10 + 90 */
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10 + 30), 0);
	assert_true(row_of(e, dest, &r));
	assert_int_equal(r.attempts, 2);
	assert_int_equal(r.next_at, T10 + 90);
	/* attempt 3 at T10 + 90: 120 s later, T10 + 210 */
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10 + 90), 0);
	assert_true(row_of(e, dest, &r));
	assert_int_equal(r.attempts, 3);
	assert_int_equal(r.next_at, T10 + 210);
	/* attempt 4 = max_attempts: dead */
	strcpy(fake.error, "connection refused");
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10 + 210), 0);
	assert_true(row_of(e, dest, &r));
	assert_string_equal(r.state, "dead");
	assert_int_equal(r.attempts, 4);
	assert_string_equal(r.last_error, "connection refused");
	assert_int_equal(attempts_of(r.id, 0), 4);
	assert_int_equal(fake.calls, 4);
	/* dead stays dead */
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10 + 86400), 0);
	assert_int_equal(fake.calls, 4);

	/* the wait is at most an hour: base 3600, 3 attempts */
	setting("notify.retry_base", "3600");
	setting("notify.max_attempts", "3");
	e = emit(NE_REQUEST_ASSIGNED, "backoff:2", &to, T10);
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10), 0);
	assert_true(row_of(e, dest, &r));
	assert_int_equal(r.next_at, T10 + 3600);
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10 + 3600), 0);
	assert_true(row_of(e, dest, &r));
	assert_int_equal(r.next_at, T10 + 3600 + 3600);   /* 7200 capped to 3600 */
	assert_string_equal(r.state, "pending");
	/* it succeeds at the third */
	fake.fail = 0;
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10 + 7200), 1);
	assert_true(row_of(e, dest, &r));
	assert_string_equal(r.state, "sent");
	assert_int_equal(r.attempts, 3);
	assert_int_equal(r.sent_at, T10 + 7200);
}

/* A row left 'sending' by an instance that died is claimed again once its
 * lease (60 s) has run out; the outcome of a row another instance took
 * over meanwhile is not written by the first. */
static void test_lease(void **state)
{
	channel("department_id", F.department_id, "wecom", "https://qyapi.weixin.qq.com/x", "", "", 1);
	struct notify_to to = { .depts = &F.department_id, .ndepts = 1 };
	int64_t e = emit(NE_REQUEST_ASSIGNED, "lease:1", &to, T10);
	/* host-a claimed it at T10 and died (what its claim wrote) */
	{
		db_stmt_t *st = db_prepare(db, "UPDATE notifications SET state = 'sending', locked_by = 'host-a:1',"
		                               " locked_until = $1, attempts = 1 WHERE event_id = $2");
		db_bind_int(st, 1, T10 + 60);
		db_bind_int(st, 2, e);
		assert_int_equal(db_step(st), DB_DONE);
		db_done(st);
	}
	assert_int_equal(notify_deliver_once(db, "host-b:2", 10, T10 + 59), 0);
	assert_int_equal(notify_deliver_once(db, "host-b:2", 10, T10 + 60), 0);   /* locked_until < now */
	assert_int_equal(fake.calls, 0);
	assert_int_equal(notify_deliver_once(db, "host-b:2", 10, T10 + 61), 1);
	assert_int_equal(fake.calls, 1);
	struct row r;
	db_stmt_t *st = db_prepare(db, "SELECT dest FROM notifications WHERE event_id = $1");
	db_bind_int(st, 1, e);
	assert_int_equal(db_step(st), DB_ROW);
	char dest[32];
	snprintf(dest, sizeof dest, "%s", db_col_text(st, 0));
	db_done(st);
	assert_true(row_of(e, dest, &r));
	assert_string_equal(r.state, "sent");
	assert_int_equal(r.attempts, 2);
	st = db_prepare(db, "SELECT instance FROM notification_attempts WHERE notification_id = $1");
	db_bind_int(st, 1, r.id);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "host-b:2");
	db_done(st);

	/* host-c claims, its send is slow, host-d takes the row over meanwhile:
	 * host-c records its attempt but leaves the row to host-d */
	e = emit(NE_REQUEST_ASSIGNED, "lease:2", &to, T10);
	assert_true(row_of(e, dest, &r));
	fake.steal_by = "host-d:4";
	fake.steal_id = r.id;
	assert_int_equal(notify_deliver_once(db, "host-c:3", 10, T10), 1);
	assert_true(row_of(e, dest, &r));
	assert_string_equal(r.state, "sending");
	assert_string_equal(r.locked_by, "host-d:4");
	assert_int_equal(r.locked_until, T10 + 60 + 600);
	assert_int_equal(attempts_of(r.id, 1), 1);
}

/* A notice whose channel changes (sql, on the channel's id) after the
 * notice was made: not sent, dead with error at once. */
static void channel_gone(const char *key, const char *sql, const char *error)
{
	int64_t ch = channel("department_id", F.department_id, "wecom", "https://qyapi.weixin.qq.com/x", "", "", 1);
	struct notify_to to = { .depts = &F.department_id, .ndepts = 1 };
	int64_t e = emit(NE_REQUEST_ASSIGNED, key, &to, T10);
	db_stmt_t *st = db_prepare(db, sql);
	db_bind_int(st, 1, ch);
	assert_int_equal(db_step(st), DB_DONE);
	db_done(st);
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10), 0);
	assert_int_equal(fake.calls, 0);
	struct row r;
	assert_true(row_of(e, dest_of('c', ch), &r));
	assert_string_equal(r.state, "dead");
	assert_string_equal(r.last_error, error);
	assert_int_equal(attempts_of(r.id, 0), 1);
}

static void test_channel_deleted(void **state)
{
	channel_gone("deleted:1", "DELETE FROM channels WHERE id = $1", "channel deleted");
}

/* switched off: resent by an admin once it is on again */
static void test_channel_switched_off(void **state)
{
	channel_gone("off:1", "UPDATE channels SET enabled = 0 WHERE id = $1", "channel switched off");
}

static void test_resend(void **state)
{
	setting("notify.max_attempts", "1");
	int64_t ch = channel("department_id", F.department_id, "wecom", "https://qyapi.weixin.qq.com/x", "", "", 1);
	struct notify_to to = { .depts = &F.department_id, .ndepts = 1 };
	int64_t e = emit(NE_REQUEST_ASSIGNED, "resend:1", &to, T10);
	fake.fail = 1;
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10), 0);
	struct row r;
	assert_true(row_of(e, dest_of('c', ch), &r));
	assert_string_equal(r.state, "dead");
	assert_int_equal(notify_resend(db, r.id, T10 + 500), 1);
	assert_true(row_of(e, dest_of('c', ch), &r));
	assert_string_equal(r.state, "pending");
	assert_int_equal(r.attempts, 0);
	assert_int_equal(r.next_at, T10 + 500);
	fake.fail = 0;
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10 + 500), 1);
	assert_true(row_of(e, dest_of('c', ch), &r));
	assert_string_equal(r.state, "sent");
	assert_int_equal(r.attempts, 1);
	assert_int_equal(attempts_of(r.id, 0), 1);
	assert_int_equal(attempts_of(r.id, 1), 1);
	/* a sent one may be sent again */
	assert_int_equal(notify_resend(db, r.id, T10 + 600), 1);
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10 + 600), 1);
	assert_int_equal(fake.calls, 3);
	/* no such notification */
	assert_int_equal(notify_resend(db, r.id + 1000, T10), 0);
	/* one being sent is not touched: a conflict */
	exec_ok("UPDATE notifications SET state = 'sending', locked_by = 'x', locked_until = 1");
	assert_int_equal(notify_resend(db, r.id, T10), DB_CONSTRAINT);
}

/* Claims take the earliest due first, at most n. */
static void test_deliver_batch(void **state)
{
	channel("department_id", F.department_id, "wecom", "https://qyapi.weixin.qq.com/x", "", "", 1);
	struct notify_to to = { .depts = &F.department_id, .ndepts = 1 };
	for (int i = 0; i < 5; i++) {
		char key[16];
		snprintf(key, sizeof key, "batch:%d", i);
		emit(NE_REQUEST_ASSIGNED, key, &to, T10 - i);   /* batch:4 is the earliest */
	}
	assert_int_equal(notify_deliver_once(db, "a:1", 2, T10), 2);
	assert_int_equal(count("SELECT count(*) FROM notifications n JOIN notify_events e ON e.id = n.event_id"
	                       " WHERE n.state = 'sent' AND e.event_key IN ('batch:4', 'batch:3') AND n.id > $1", 0), 2);
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10), 3);
	assert_int_equal(notify_deliver_once(db, "a:1", 10, T10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_emit_idempotent, reset),
		cmocka_unit_test_setup(test_fanout_channels, reset),
		cmocka_unit_test_setup(test_fanout_prefs, reset),
		cmocka_unit_test_setup(test_quiet_hours, reset),
		cmocka_unit_test_setup(test_leaders, reset),
		cmocka_unit_test_setup(test_enterprise, reset),
		{ "test_emit_idempotent (batch)", test_emit_idempotent, reset_batch, NULL, NULL },
		{ "test_fanout_channels (batch)", test_fanout_channels, reset_batch, NULL, NULL },
		{ "test_fanout_prefs (batch)", test_fanout_prefs, reset_batch, NULL, NULL },
		{ "test_quiet_hours (batch)", test_quiet_hours, reset_batch, NULL, NULL },
		{ "test_leaders (batch)", test_leaders, reset_batch, NULL, NULL },
		{ "test_enterprise (batch)", test_enterprise, reset_batch, NULL, NULL },
		cmocka_unit_test_setup(test_batch, reset),
		cmocka_unit_test_setup(test_deliver_sent, reset_deliver),
		cmocka_unit_test_setup(test_deliver_backoff, reset_deliver),
		cmocka_unit_test_setup(test_lease, reset_deliver),
		cmocka_unit_test_setup(test_channel_deleted, reset_deliver),
		cmocka_unit_test_setup(test_channel_switched_off, reset_deliver),
		cmocka_unit_test_setup(test_resend, reset_deliver),
		cmocka_unit_test_setup(test_deliver_batch, reset_deliver),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
