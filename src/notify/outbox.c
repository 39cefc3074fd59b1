/* outbox.c -- STUB until the outbox lands (issue 13, part A): notify_emit records nothing. */
#include "notify.h"

int notify_emit(db_t *db, const char *kind, const char *key, const char *entity, int64_t entity_id,
                json_t *payload, const struct notify_to *to, int64_t now, int64_t *out_id)
{
	if (out_id)
		*out_id = 0;
	return DB_OK;
}
