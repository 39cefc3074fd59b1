/* TEMPORARY (not committed): records the event only, for developing part C. */
#include "notify.h"
#include <stdlib.h>
int notify_emit(db_t *db, const char *kind, const char *key, const char *entity, int64_t entity_id,
                json_t *payload, const struct notify_to *to, int64_t now, int64_t *out_id)
{
	char *p = json_dumps(payload, JSON_COMPACT);
	db_stmt_t *st = db_prepare(db, "INSERT INTO notify_events (event_key, kind, entity, entity_id, payload, created_at)"
		" VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_key) DO NOTHING");
	db_bind_text(st, 1, key); db_bind_text(st, 2, kind); db_bind_text(st, 3, entity); db_bind_int(st, 4, entity_id);
	db_bind_text(st, 5, p ? p : "{}"); db_bind_int(st, 6, now);
	int rc = db_step(st); db_done(st); free(p);
	if (out_id) *out_id = 0;
	(void)to;
	return rc == DB_DONE ? DB_OK : rc;
}
