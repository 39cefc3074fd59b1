/*
 * kiosk.c -- the kiosk's one-time login codes: an officer issues a
 * six-digit code for an enterprise (POST /api/v1/enterprises/{id}/
 * kiosk-code), the enterprise logs in once with its credit code and the
 * code (auth_login).  Only the code's hash is stored.
 */
#include "auth.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* The stored form of a kiosk code: hex BLAKE2b of "kiosk:<enterprise>:<code>". */
static void kiosk_hash(int64_t enterprise_id, const char *code, char out[65])
{
	char msg[64];
	int n = snprintf(msg, sizeof msg, "kiosk:%lld:%s", (long long)enterprise_id, code);
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)msg, (unsigned long long)n, NULL, 0);
	hex_encode(out, h, sizeof h);
}

int kiosk_code_issue(db_t *db, int64_t enterprise_id, int64_t created_by, char code[8], int64_t *expires_at)
{
	char hash[65];
	snprintf(code, 8, "%06u", (unsigned)randombytes_uniform(1000000));
	kiosk_hash(enterprise_id, code, hash);
	int64_t now = now_sec();
	*expires_at = now + KIOSK_CODE_TTL;
	db_stmt_t *st = db_prepare(db, "DELETE FROM kiosk_codes WHERE expires_at < $1");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, now - 86400);
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return rc;
	st = db_prepare(db,
		"INSERT INTO kiosk_codes (enterprise_id, code_hash, expires_at, created_by, created_at)"
		" VALUES ($1, $2, $3, $4, $5)");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, enterprise_id);
	db_bind_text(st, 2, hash);
	db_bind_int(st, 3, *expires_at);
	db_bind_int(st, 4, created_by);
	db_bind_int(st, 5, now);
	rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

int kiosk_code_consume(db_t *db, int64_t enterprise_id, const char *code)
{
	if (enterprise_id <= 0 || code == NULL || strlen(code) != 6)
		return 0;
	for (int i = 0; i < 6; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	char hash[65];
	kiosk_hash(enterprise_id, code, hash);
	int64_t now = now_sec();
	/* one statement: of two logins racing with the same code, one wins */
	db_stmt_t *st = db_prepare(db,
		"UPDATE kiosk_codes SET used_at = $1 WHERE enterprise_id = $2 AND code_hash = $3 AND used_at IS NULL"
		" AND expires_at > $1");
	if (st == NULL)
		return 0;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, enterprise_id);
	db_bind_text(st, 3, hash);
	int rc = db_step(st);
	int64_t n = rc == DB_DONE ? db_changes(st) : 0;
	db_done(st);
	return n > 0;
}
