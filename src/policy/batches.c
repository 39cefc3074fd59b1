/*
 * batches.c -- 免审即享: a batch turns a published policy's match for a year
 * into grants.  The service center makes it, a leader approves it (each
 * enterprise then finds the grant in its inbox with the amount and the
 * clause-by-clause explanation, and confirms or declines it) or rejects it
 * (its items are deleted: they can be granted later); paid items close the
 * batch; the finance bureau gets it as a workbook.
 *
 * Nothing is granted twice: policy_batch_items has one row per (policy
 * code, year, enterprise) whatever the batch or version, and items are
 * inserted with ON CONFLICT DO NOTHING, so two batches made at the same
 * time share the eligible enterprises between them (SQLite: the second
 * waits for the write lock; PostgreSQL: for the first's unique entries).
 */
#include "policy.h"

#include "notify/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The condition's clauses in plain words for the year, {"zh","en"} each,
 * so that a grant explains itself to the enterprise without the code. */
static json_t *clauses_plain(const struct policy_match *m, size_t nclauses)
{
	json_t *out = json_array();
	for (size_t k = 0; k < nclauses; k++) {
		buf_t zh, en;
		buf_init(&zh);
		buf_init(&en);
		rule_to_text(m->pr->cond, (int)k, RULE_ZH, &m->pr->facts, m->year, &zh);
		rule_to_text(m->pr->cond, (int)k, RULE_EN, &m->pr->facts, m->year, &en);
		json_array_append_new(out, json_pack("{s:s,s:s}", "zh", zh.data ? zh.data : "", "en", en.data ? en.data : ""));
		buf_free(&zh);
		buf_free(&en);
	}
	return out;
}

/* Insert the batch's items: the eligible enterprises not granted yet.
 * They are staged with one bulk write (COPY on PostgreSQL) and moved by
 * one INSERT ... SELECT, whose ON CONFLICT skips an enterprise granted
 * already (also by a batch made at the same moment), in the match's order. */
static int insert_items(db_t *db, arena_t *a, const struct policy_match *m, int64_t batch, const char *code,
                        int64_t *inserted, err_t *err)
{
	*inserted = 0;
	int rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS batch_item_stage (seq BIGINT NOT NULL,"
	                     " enterprise_id BIGINT NOT NULL, amount BIGINT NOT NULL, explanation TEXT NOT NULL)");
	if (rc == DB_OK)
		rc = db_stage_clear(db, "batch_item_stage");
	if (rc != DB_OK)
		return db_fail(err, db, rc, "granting");
	struct rule_result *cond = arena_alloc(a, sizeof *cond), *ben = arena_alloc(a, sizeof *ben);
	json_t *plain = NULL;   /* each clause in words: the same for every enterprise */
	db_copy_t *c = db_copy_begin(db, "batch_item_stage", "seq, enterprise_id, amount, explanation", 4);
	for (size_t i = 0; i < m->n; i++) {
		if (m->ents[i].result != RULE_TRUE)
			continue;
		arena_t *ea = arena_new();
		policy_match_explain(m, i, ea, cond, ben);
		if (plain == NULL)
			plain = clauses_plain(m, cond->nclauses);
		json_t *clauses = policy_clauses_json(cond);
		for (size_t k = 0; k < json_array_size(clauses); k++)
			json_object_set(json_array_get(clauses, k), "plain", json_array_get(plain, k));
		json_t *ex = json_pack("{s:o}", "clauses", clauses);
		char *exs = json_dumps(ex, JSON_COMPACT);
		json_decref(ex);
		arena_free(ea);
		db_copy_int(c, (int64_t)i);
		db_copy_int(c, m->ents[i].id);
		db_copy_int(c, m->ents[i].amount);
		if (exs == NULL)
			break;
		db_copy_text(c, exs);
		db_copy_row(c);
		free(exs);
	}
	json_decref(plain);
	rc = db_copy_end(c);   /* a row left unfinished (out of memory) fails it */
	if (rc != DB_OK)
		return db_fail(err, db, rc, "granting");
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO policy_batch_items (batch_id, policy_code, year, enterprise_id, amount, explanation)"
		" SELECT CAST($1 AS BIGINT), $2, CAST($3 AS INTEGER), enterprise_id, amount, explanation"
		" FROM batch_item_stage WHERE true ORDER BY seq"
		" ON CONFLICT (policy_code, year, enterprise_id) DO NOTHING");
	rc = DB_ERR;
	if (st) {
		db_bind_int(st, 1, batch);
		db_bind_text(st, 2, code);
		db_bind_int(st, 3, m->year);
		rc = db_step(st);
		if (rc == DB_DONE)
			*inserted = db_changes(st);
		db_done(st);
	}
	if (rc == DB_DONE)
		rc = db_stage_clear(db, "batch_item_stage") == DB_OK ? DB_DONE : DB_ERR;
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "granting");
}

/* A batch awaits approval: the leaders hear of it (issue 13), once. */
static int batch_notify(db_t *db, int64_t id, const char *policy, int year, int64_t items, int64_t now, err_t *err)
{
	char key[64];
	snprintf(key, sizeof key, "%s:%lld", NE_BATCH_PENDING, (long long)id);
	json_t *pl = json_pack("{s:s, s:i, s:I}", "title", policy ? policy : "", "year", year, "items", (json_int_t)items);
	if (pl)
		json_object_set_new(pl, "path", json_sprintf("#/policies/batch/%lld", (long long)id));
	struct notify_to to = { .leaders = 1 };
	int rc = pl ? notify_emit(db, NE_BATCH_PENDING, key, "policy_batch", id, pl, &to, now, NULL) : DB_ERR;
	json_decref(pl);
	return rc == DB_OK ? 0 : db_fail(err, db, rc, "recording the notice");
}

int batch_create(db_t *db, arena_t *a, int64_t policy_id, int year, int64_t actor, int64_t now, int64_t *id,
                 err_t *err)
{
	struct policy p;
	struct policy_rules pr;
	struct policy_match m;
	int rc = -1;
	if (policy_match_published(db, a, policy_id, year, "granted", &p, &pr, &m, err) < 0)
		goto out;
	db_stmt_t *st = db_prepare(db, "INSERT INTO policy_batches (policy_id, policy_code, year, state, created_by,"
	                               " created_at) VALUES ($1, $2, $3, 'pending', $4, $5) RETURNING id");
	int src = DB_ERR;
	if (st) {
		db_bind_int(st, 1, policy_id);
		db_bind_text(st, 2, p.code);
		db_bind_int(st, 3, year);
		if (actor > 0)
			db_bind_int(st, 4, actor);
		else
			db_bind_null(st, 4);
		db_bind_int(st, 5, now);
		src = db_step(st);
		if (src == DB_ROW)
			*id = db_col_int(st, 0);
		db_done(st);
	}
	if (src != DB_ROW) {
		db_fail(err, db, src, "saving the batch");
		goto out;
	}
	int64_t inserted;
	if (insert_items(db, a, &m, *id, p.code, &inserted, err) < 0)
		goto out;
	if (inserted == 0) {
		err_set(err, 409, "nothing_to_grant", NULL,
		        "no enterprise is left to grant for %s in %d: %zu eligible, all granted already", p.code, year,
		        m.eligible);
		err_param(err, "eligible", "%zu", m.eligible);
		goto out;
	}
	rc = batch_notify(db, *id, p.name, year, inserted, now, err);
out:
	policy_match_free(&m);
	policy_rules_free(&pr);
	policy_clear(&p);
	return rc;
}

/* The state of batch id into st (a buffer of 16), or -1 with err 404. */
static int batch_state(db_t *db, int64_t id, char state[16], err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT state FROM policy_batches WHERE id = $1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the batch");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW)
		snprintf(state, 16, "%s", db_col_text(st, 0));
	db_done(st);
	if (rc == DB_DONE)
		return err_set(err, 404, "not_found", NULL, "no batch %lld", (long long)id);
	return rc == DB_ROW ? 0 : db_fail(err, db, rc, "reading the batch");
}

/* Run an UPDATE or DELETE of batch id ($1). */
static int exec_batch(db_t *db, const char *sql, int64_t id, err_t *err)
{
	db_stmt_t *st = db_prepare(db, sql);
	int rc = DB_ERR;
	if (st) {
		db_bind_int(st, 1, id);
		rc = db_step(st);
		db_done(st);
	}
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "saving the batch");
}

/* Each item of approved batch id gets its inbox grant. */
static int send_grants(db_t *db, int64_t id, int64_t now, err_t *err)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT i.id, i.enterprise_id, i.amount, i.explanation, b.policy_id, p.name, b.year"
		" FROM policy_batch_items i JOIN policy_batches b ON b.id = i.batch_id JOIN policies p ON p.id = b.policy_id"
		" WHERE i.batch_id = $1 ORDER BY i.id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the batch");
	db_bind_int(st, 1, id);
	/* read first: one statement at a time per connection */
	json_t *rows = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *ex = json_loads(db_col_text(st, 3), 0, NULL);
		json_t *clauses = json_incref(json_object_get(ex, "clauses"));
		json_decref(ex);
		json_array_append_new(rows, json_pack("{s:I,s:I,s:I,s:I,s:s,s:{s:s,s:I,s:o}}", "item",
			(json_int_t)db_col_int(st, 0), "ent", (json_int_t)db_col_int(st, 1), "amount",
			(json_int_t)db_col_int(st, 2), "policy", (json_int_t)db_col_int(st, 4), "title", db_col_text(st, 5),
			"body", "policy_name", db_col_text(st, 5), "year", (json_int_t)db_col_int(st, 6), "clauses",
			clauses ? clauses : json_array()));
	}
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(rows);
		return db_fail(err, db, rc, "reading the batch");
	}
	/* one bulk write (COPY on PostgreSQL) for all of them */
	size_t k;
	json_t *row;
	db_copy_t *c = json_array_size(rows) == 0 ? NULL
	             : db_copy_begin(db, "inbox", "enterprise_id, kind, batch_id, item_id, policy_id, amount, title,"
	                                          " body, created_at", 9);
	json_array_foreach(rows, k, row) {
		char *body = json_dumps(json_object_get(row, "body"), JSON_COMPACT);
		db_copy_int(c, json_integer_value(json_object_get(row, "ent")));
		db_copy_text(c, "grant");
		db_copy_int(c, id);
		db_copy_int(c, json_integer_value(json_object_get(row, "item")));
		db_copy_int(c, json_integer_value(json_object_get(row, "policy")));
		db_copy_int(c, json_integer_value(json_object_get(row, "amount")));
		db_copy_text(c, json_string_value(json_object_get(row, "title")));
		if (body == NULL)
			break;   /* out of memory: the unfinished row fails the write */
		db_copy_text(c, body);
		db_copy_int(c, now);
		db_copy_row(c);
		free(body);
	}
	json_decref(rows);
	rc = c ? db_copy_end(c) : DB_OK;
	return rc == DB_OK ? 0 : db_fail(err, db, rc, "sending the grants");
}

int batch_decide(db_t *db, arena_t *a, int64_t id, int approve, const char *reason, int64_t actor, int64_t now,
                 err_t *err)
{
	(void)a;
	char state[16];
	if (!approve && (reason == NULL || text_is_blank(reason)))
		return err_set(err, 422, "required", "reason", "a rejection needs a reason");
	if (!approve && !text_ok(reason, BATCH_REASON_MAX, 1)) {
		err_set(err, 422, "invalid", "reason", "the reason is text of at most %d characters", BATCH_REASON_MAX);
		return err_param(err, "max", "%d", BATCH_REASON_MAX);
	}
	if (batch_state(db, id, state, err) < 0)
		return -1;
	if (strcmp(state, "pending") != 0) {
		err_set(err, 409, "not_pending", NULL, "the batch is %s, not pending", state);
		return err_param(err, "state", "%s", state);
	}
	db_stmt_t *st = db_prepare(db, "UPDATE policy_batches SET state = $2, approved_at = $3, approved_by = $4,"
	                               " note = $5 WHERE id = $1 AND state = 'pending'");
	int rc = DB_ERR;
	if (st) {
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, approve ? "approved" : "rejected");
		db_bind_int(st, 3, now);
		if (actor > 0)
			db_bind_int(st, 4, actor);
		else
			db_bind_null(st, 4);
		db_bind_text(st, 5, reason ? reason : "");
		rc = db_step(st);
		db_done(st);
	}
	if (rc != DB_DONE)
		return db_fail(err, db, rc, "deciding the batch");
	if (approve)
		return send_grants(db, id, now, err);
	return exec_batch(db, "DELETE FROM policy_batch_items WHERE batch_id = $1", id, err);
}

struct paid_item {
	int64_t id;
	size_t seq;
};

static int paid_cmp(const void *x, const void *y)
{
	const struct paid_item *a = x, *b = y;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static int id_cmp(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

/* Mark items[0..n) of batch id paid, all or none: staged with one bulk
 * write, checked with one query, written with one UPDATE ... RETURNING.
 * The first item (in the list's order) that is not a confirmed item of the
 * batch -- or that the list names a second time -- is the 409, as if they
 * were paid one by one.  The UPDATE's own rows decide too: a concurrent
 * payment (PostgreSQL) that paid one of them after the check leaves it out
 * of what comes back, and that item is the 409 (the caller rolls back).
 * 0, or -1 with err. */
static int mark_paid(db_t *db, int64_t id, const int64_t *items, size_t n, int64_t now, err_t *err)
{
	struct paid_item *v = malloc(n * sizeof *v);
	int64_t *done = malloc(n * sizeof *done);
	size_t ndone = 0;
	if (v == NULL || done == NULL) {
		free(v);
		free(done);
		return err_set(err, 500, "out_of_memory", NULL, "out of memory saving the payment");
	}
	for (size_t k = 0; k < n; k++)
		v[k] = (struct paid_item){ items[k], k };
	qsort(v, n, sizeof *v, paid_cmp);
	size_t bad = n;   /* the first item refused, in the list's order */
	for (size_t k = 1; k < n; k++)
		if (v[k].id == v[k - 1].id && v[k].seq < bad)
			bad = v[k].seq;   /* named twice: paid the first time */
	free(v);
	int rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS paid_stage (seq BIGINT NOT NULL, id BIGINT NOT NULL)");
	if (rc == DB_OK)
		rc = db_stage_clear(db, "paid_stage");
	if (rc == DB_OK) {
		db_copy_t *c = db_copy_begin(db, "paid_stage", "seq, id", 2);
		for (size_t k = 0; k < n; k++) {
			db_copy_int(c, (int64_t)k);
			db_copy_int(c, items[k]);
			db_copy_row(c);
		}
		rc = db_copy_end(c);
	}
	/* the first staged item that is not a confirmed item of this batch */
	db_stmt_t *st = rc == DB_OK ? db_prepare(db, "SELECT min(s.seq) FROM paid_stage s WHERE NOT EXISTS (SELECT 1"
	                                             " FROM policy_batch_items i WHERE i.id = s.id AND i.batch_id = $1"
	                                             " AND i.state = 'confirmed')") : NULL;
	if (rc == DB_OK && st == NULL)
		rc = DB_ERR;
	if (st) {
		db_bind_int(st, 1, id);
		rc = db_step(st);
		if (rc == DB_ROW && !db_col_isnull(st, 0) && (size_t)db_col_int(st, 0) < bad)
			bad = (size_t)db_col_int(st, 0);
		db_done(st);
		rc = rc == DB_ROW ? DB_OK : rc == DB_DONE ? DB_ERR : rc;
	}
	if (rc == DB_OK && bad == n) {
		st = db_prepare(db, "UPDATE policy_batch_items SET state = 'paid', paid_at = $2"
		                    " WHERE batch_id = $1 AND state = 'confirmed' AND id IN (SELECT id FROM paid_stage) RETURNING id");
		rc = DB_ERR;
		if (st) {
			db_bind_int(st, 1, id);
			db_bind_int(st, 2, now);
			while ((rc = db_step(st)) == DB_ROW && ndone < n)
				done[ndone++] = db_col_int(st, 0);
			db_done(st);
			rc = rc == DB_DONE ? DB_OK : rc == DB_ROW ? DB_ERR : rc;
		}
		if (rc == DB_OK && ndone < n) {   /* paid meanwhile by someone else: the first such item */
			qsort(done, ndone, sizeof *done, id_cmp);
			for (size_t k = 0; k < n && bad == n; k++)
				if (bsearch(&items[k], done, ndone, sizeof *done, id_cmp) == NULL)
					bad = k;
		}
	}
	free(done);
	if (rc == DB_OK)
		rc = db_stage_clear(db, "paid_stage");
	if (rc != DB_OK)
		return db_fail(err, db, rc, "saving the payment");
	if (bad < n) {
		err_set(err, 409, "not_confirmed", "item_ids", "item %lld of this batch is not confirmed", (long long)items[bad]);
		return err_param(err, "item_id", "%lld", (long long)items[bad]);
	}
	return 0;
}

int batch_paid(db_t *db, int64_t id, const int64_t *items, size_t n, int64_t now, err_t *err)
{
	char state[16];
	if (n == 0)
		return err_set(err, 422, "required", "item_ids", "item_ids lists the items paid");
	if (batch_state(db, id, state, err) < 0)
		return -1;
	if (strcmp(state, "approved") != 0) {
		err_set(err, 409, "not_approved", NULL, "the batch is %s: only an approved batch is paid", state);
		return err_param(err, "state", "%s", state);
	}
	if (mark_paid(db, id, items, n, now, err) < 0)
		return -1;
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)id);
	const char *params[] = { ids };
	int64_t open = db_int1(db, "SELECT count(*) FROM policy_batch_items WHERE batch_id = CAST($1 AS BIGINT)"
	                           " AND state IN ('granted', 'confirmed')", -1, 1, params);
	if (open < 0)
		return db_fail(err, db, DB_ERR, "reading the batch");
	if (open == 0)
		return exec_batch(db, "UPDATE policy_batches SET state = 'closed' WHERE id = $1", id, err);
	return 0;
}
