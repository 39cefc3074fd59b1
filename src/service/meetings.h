/*
 * meetings.h -- joint consultations (部门联席会商, 区街上下联动; issue 14):
 * meetings of departments (and streets), their agenda items (requests,
 * inspection findings, free topics), the decisions with a lead department,
 * co-operating departments and streets, follow-up tasks with deadlines on
 * the working-day calendar, the minutes (HTML and .docx) and the figures.
 * docs/meetings.md has the rules.
 *
 * Owns the tables meetings, meeting_participants, meeting_items,
 * meeting_item_partners, meeting_tasks.  A decision on a request hands it
 * to the lead department through requests.c (request_take_over).
 *
 * Files: meetings.c (the domain: who convenes, writing, reading as JSON),
 * meetings_api.c (the HTTP handlers), minutes.c (会议纪要 as HTML and
 * WordprocessingML).  The domain functions take the acting user and the
 * time (unix seconds) and run inside the caller's transaction.
 */
#ifndef ZONEOPS_MEETINGS_H
#define ZONEOPS_MEETINGS_H

#include "service/service.h"

#define MEETING_TITLE_MAX 200
#define MEETING_TEXT_MAX 100          /* place, chair */
#define MEETING_NOTE_MAX 2000         /* an item's note */
#define MEETING_DECISION_MAX 4000
#define MEETING_TASK_MAX 500          /* a task's title */
#define MEETING_LIST_MAX 50           /* participants, partners, tasks of one call */

/* May u convene meetings (create and edit them, add items, record
 * decisions, mark them held, update any task)?  Admins, leaders, officers
 * (the service center's staff) and the users of the service center's
 * department: the setting service_center_department (its id), or when it
 * is empty the department named 企业发展服务中心. */
int meetings_can_convene(db_t *db, const user_t *u);
/* The street a department user stands for (its department's street_id),
 * 0 for none. */
int64_t meetings_user_street(db_t *db, const user_t *u);
/* May u read meeting id: conveners, leaders, admins and statisticians any;
 * a department user those its department or its street takes part in.
 * 1, 0 (or no such meeting), -1 on a database error. */
int meeting_visible(db_t *db, const user_t *u, int64_t id);

struct meeting_in {
	const char *title, *held_on, *starts_at, *place, *chair, *level, *status;
	const int64_t *departments, *streets;
	size_t ndepartments, nstreets;
	int has_departments, has_streets;   /* given (PATCH replaces the lists given) */
};
/* Create a meeting (status planned) convened by actor; when it is the
 * earliest planned meeting on or after today, every pending proposal
 * (an item without a meeting) joins its agenda.  Errors (nothing written):
 * 422 required/invalid title, invalid_date held_on, invalid starts_at
 * (HH:MM), invalid level, unknown_department departments[i],
 * unknown_street streets[i], streets_need_street_level streets; 403 when
 * actor may not convene.  a holds the field names.  0 with *id, or -1. */
int meeting_create(db_t *db, arena_t *a, const user_t *actor, const struct meeting_in *in, int64_t now, int64_t *id,
                   err_t *err);
/* Change the fields given (NULL: unchanged) and status planned|held; a
 * new day counts its tasks' deadlines in working days again from it. */
int meeting_update(db_t *db, arena_t *a, const user_t *actor, int64_t id, const struct meeting_in *in, int64_t now,
                   err_t *err);

struct meeting_item_in {
	const char *kind;                   /* request | finding | topic */
	int64_t request_id;
	const char *title, *note;
};
/* Add an item to meeting id's agenda (meeting 0: a proposal, which joins
 * the next planned meeting, or waits for one).  A request must be one of
 * an enterprise in the registry (422 unknown_request request_id), a
 * finding an inspection (422 not_a_finding), a topic needs a title.  0
 * with *item_id, or -1. */
int meeting_item_add(db_t *db, arena_t *a, const user_t *actor, int64_t meeting_id, const struct meeting_item_in *in,
                     int64_t now, int64_t *item_id, err_t *err);
/* Propose request_id for the next meeting (any officer, department user
 * or convener): an item of kind request (finding for an inspection). */
int meeting_propose(db_t *db, arena_t *a, const user_t *actor, int64_t request_id, const char *note, int64_t now,
                    int64_t *item_id, err_t *err);

struct meeting_task_in {
	const char *title;
	int64_t department_id, street_id;   /* exactly one */
	int64_t due_workdays;               /* working days after the meeting, or */
	const char *due_on;                 /* a date on or after the meeting */
};
struct meeting_decision_in {
	const char *decision;
	int64_t lead_department_id;         /* 0: none */
	const int64_t *partner_departments, *partner_streets;
	size_t npartner_departments, npartner_streets;
	const struct meeting_task_in *tasks;
	size_t ntasks;
};
/* Record (or replace) the decision on item_id of meeting_id: decision,
 * lead department, partners and tasks (due dates from the meeting's day
 * on the working-day calendar, provisional when a year is not loaded).  A
 * request or finding goes to the lead department (request_take_over) with
 * a history event meeting_decided.  Errors (nothing written): 422
 * unknown_department / unknown_street naming the field
 * (lead_department_id, partners.departments[i], tasks[i].department_id,
 * ...), due_before_meeting tasks[i].due_on, task_assignee tasks[i],
 * required decision.  0, or -1. */
int meeting_decide(db_t *db, arena_t *a, const user_t *actor, int64_t meeting_id, int64_t item_id,
                   const struct meeting_decision_in *in, int64_t now, err_t *err);
/* Mark task id done (today, with a note) or open again: a user of the
 * department or street it falls to, or a convener (others 403). */
int meeting_task_update(db_t *db, arena_t *a, const user_t *actor, int64_t id, const char *status, const char *note,
                        int64_t now, err_t *err);
/* Provisional task deadlines through year computed again once its
 * calendar is loaded (called by requests_recompute_provisional).  The
 * number of tasks, or -1. */
int meeting_tasks_recompute(db_t *db, int year);

/* ---- reading (JSON as the API answers it) ---- */
/* The meeting as listed: fields, convener, participants, counts; NULL
 * when there is none or on a database error. */
json_t *meeting_json(db_t *db, int64_t id);
/* With its items (and their partners and tasks) and the carried tasks. */
json_t *meeting_full_json(db_t *db, int64_t id);
json_t *meeting_item_json(db_t *db, int64_t item_id);
/* Tasks as the API lists them, filtered (0 / NULL: no filter); scope_*:
 * a department user's view (the tasks that fall to it or its street and
 * those of meetings it takes part in).  An array, NULL on a database
 * error. */
struct meeting_task_filter {
	int64_t id, item, meeting;
	int64_t mine_dept, mine_street;     /* the tasks that fall to these */
	int64_t scope_dept, scope_street;
	const char *status;                 /* open | done */
	const char *before;                 /* meetings held before this day (carried tasks) */
};
json_t *meeting_tasks_json(db_t *db, const struct meeting_task_filter *f);

/* ---- the minutes (minutes.c), from meeting_full_json's object ---- */
/* 会议纪要 as an HTML page with print styles (arena a); NULL when out of memory. */
char *minutes_html(arena_t *a, const json_t *m, const char *zone_name);
/* The same text as a Word file (WordprocessingML, a zip written by
 * libzip) into out (buf_init'ed by the caller).  0, or -1. */
int minutes_docx(const json_t *m, const char *zone_name, buf_t *out);
/* 一, 二, … 九十九 for 1..99 (the number itself beyond), in out[16]. */
void cn_numeral(int n, char out[16]);

/* ---- handlers (meetings_api.c) ---- */
void api_meetings_list(req_t *r);
void api_meetings_create(req_t *r);
void api_meetings_stats(req_t *r);
void api_meeting_get(req_t *r);
void api_meeting_update(req_t *r);
void api_meeting_item_add(req_t *r);
void api_meeting_decision(req_t *r);
void api_meeting_minutes(req_t *r);
void api_meeting_minutes_docx(req_t *r);
void api_meeting_proposals_list(req_t *r);
void api_meeting_proposals_create(req_t *r);
void api_meeting_tasks_list(req_t *r);
void api_meeting_task_update(req_t *r);

#endif
