/* messages.c -- STUB until the messages land (issue 13, part C): the payload's title only. */
#include "notify.h"

#include <stdlib.h>
#include <string.h>

int notify_render(const char *kind, const char *event_id, json_t *payload, const char *lang,
                  const char *base_url, struct notify_msg *m)
{
	const char *t = json_string_value(json_object_get(payload, "title"));
	memset(m, 0, sizeof *m);
	m->event_id = event_id;
	m->title = strdup(t ? t : kind);
	m->markdown = strdup(m->title ? m->title : "");
	m->text = strdup(m->title ? m->title : "");
	json_t *o = json_pack("{s:s, s:s, s:s}", "id", event_id, "event", kind, "title", m->title ? m->title : "");
	m->json = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!m->title || !m->markdown || !m->text || !m->json) {
		notify_msg_free(m);
		return -1;
	}
	return 0;
}

void notify_msg_free(struct notify_msg *m)
{
	free(m->title);
	free(m->markdown);
	free(m->text);
	free(m->json);
	memset(m, 0, sizeof *m);
}
