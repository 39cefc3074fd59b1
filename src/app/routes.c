/*
 * routes.c -- the menu.  Every URL the server answers is one line here:
 * method, path pattern, handler, who may call it, flags.  The router
 * enforces the permission and the flags before any handler runs, and
 * /metrics counts requests per line of this table.
 */
#include "http/http.h"

#include "admin/admin.h"
#include "indicators/indicators.h"
#include "land/land.h"
#include "notify/notify.h"
#include "policy/policy.h"
#include "policy/facts.h"
#include "race/race.h"
#include "service/service.h"
#include "service/meetings.h"
#include "table/table.h"

/* Who may call what, beyond the common sets in http.h (P_PUBLIC, P_ANY,
 * P_STAFF, P_ADMIN).  A role a route leaves out is answered 403 by the
 * router before any handler runs; handlers only narrow what an admitted
 * caller sees to its own rows (own enterprise, own unit, assigned
 * department, the enterprises an officer serves).  docs/permissions.md is
 * the same table by role, checked by tests/e2e/permissions.test.mjs. */
#define P_ZONE       (ROLE_ADMIN | ROLE_LEADER | ROLE_RECRUITER | ROLE_OFFICER | ROLE_STATISTICIAN)
#define P_ENT_CREATE (ROLE_ADMIN | ROLE_LEADER | ROLE_OFFICER)
#define P_ENT_EDIT   (ROLE_ADMIN | ROLE_LEADER | ROLE_OFFICER | ROLE_ENTERPRISE)
/* an enterprise's file (一企一档): its plans and the policies granted or
 * pushed to it, read by the staff who serve and oversee it and by the
 * enterprise itself (its own) */
#define P_PLAN_READ  (ROLE_ADMIN | ROLE_LEADER | ROLE_OFFICER | ROLE_STATISTICIAN | ROLE_ENTERPRISE)
#define P_ENT_IMPORT (ROLE_ADMIN | ROLE_LEADER)
#define P_VISIT      (ROLE_ADMIN | ROLE_LEADER | ROLE_OFFICER | ROLE_DEPARTMENT)
#define P_VISIT_READ (ROLE_ADMIN | ROLE_LEADER | ROLE_OFFICER | ROLE_DEPARTMENT | ROLE_STATISTICIAN)
#define P_REQ_READ   (ROLE_ADMIN | ROLE_LEADER | ROLE_OFFICER | ROLE_DEPARTMENT | ROLE_STATISTICIAN | ROLE_ENTERPRISE)
#define P_REQ_ACT    (ROLE_ADMIN | ROLE_LEADER | ROLE_OFFICER | ROLE_DEPARTMENT | ROLE_ENTERPRISE)
#define P_INSPECT    (ROLE_ADMIN | ROLE_LEADER)
#define P_INS_READ   (ROLE_ADMIN | ROLE_LEADER | ROLE_DEPARTMENT | ROLE_STATISTICIAN)
#define P_INS_ACT    (ROLE_ADMIN | ROLE_LEADER | ROLE_DEPARTMENT)
#define P_RACE_EDIT  (ROLE_ADMIN | ROLE_LEADER | ROLE_RECRUITER)
#define P_RACE_LEAD  (ROLE_ADMIN | ROLE_LEADER)
/* land (issue 11): read by the zone's staff, and by an enterprise for its
 * own rows only (the handler narrows; others 404) */
#define P_LAND_OWN   (P_STAFF | ROLE_ENTERPRISE)
#define P_IND_READ   (ROLE_ADMIN | ROLE_LEADER | ROLE_STATISTICIAN)
#define P_IND_WRITE  (ROLE_ADMIN | ROLE_STATISTICIAN)
#define P_FACT_WRITE (ROLE_ADMIN | ROLE_STATISTICIAN | ROLE_OFFICER)   /* yearly facts: the statistics office, the service center */
#define P_IMPORT     (ROLE_ADMIN | ROLE_LEADER | ROLE_RECRUITER | ROLE_STATISTICIAN | ROLE_OFFICER | ROLE_DEPARTMENT)   /* who may import something (department: the land bureau's plots) */
/* policies (免审即享, 政策推送): the service center (officers) and admins
 * write rules, make batches and push; leaders approve; enterprises read
 * the published library and their own inbox */
#define P_POL_READ   (ROLE_ADMIN | ROLE_LEADER | ROLE_OFFICER | ROLE_STATISTICIAN)
#define P_POL_WRITE  (ROLE_ADMIN | ROLE_OFFICER)
#define P_POL_LEAD   (ROLE_ADMIN | ROLE_LEADER)
#define P_INBOX      (ROLE_ENTERPRISE)
#define P_INBOX_READ (ROLE_ADMIN | ROLE_ENTERPRISE)   /* an admin: any enterprise's, ?enterprise_id= */
/* land (issue 11): every zone role reads; admins and the land bureau's
 * department users write (the handlers call land_require_editor()) */
#define P_LAND_READ  P_STAFF
#define P_LAND_WRITE (ROLE_ADMIN | ROLE_DEPARTMENT)
#define P_LAND_ENT   (ROLE_ENTERPRISE)
/* joint consultations (联席会商, issue 14): the zone's staff but recruiters
 * read (a department user the meetings it takes part in); the conveners
 * write (meetings_can_convene: admins, leaders, officers, the service
 * center's department -- other department users get 403 from the
 * handler), department users and officers propose and mark their tasks */
#define P_MEET_READ  (ROLE_ADMIN | ROLE_LEADER | ROLE_OFFICER | ROLE_DEPARTMENT | ROLE_STATISTICIAN)
#define P_MEET_WRITE (ROLE_ADMIN | ROLE_LEADER | ROLE_OFFICER | ROLE_DEPARTMENT)
/* notifications (issue 13): the zone's staff keep channels -- an admin
 * every one, the others those of their own user, their department (a
 * department user) or their unit (a recruiter or a unit's leader); a
 * leader reads them all (notify_api.c narrows).  Everyone reads the
 * notices meant for it and sets its own preferences; admins resend. */
#define P_CHANNEL    P_STAFF

const struct route routes[] = {
	/* method   path                            handler               who       flags */
	{ "GET",    "/healthz",                     api_healthz,          P_PUBLIC, 0, 0 },
	{ "GET",    "/metrics",                     api_metrics,          P_ADMIN,  0, 0 },

	/* session and accounts */
	{ "POST",   "/api/v1/session",              api_login,            P_PUBLIC, R_NOTX | R_NOCSRF, 4096 },
	{ "DELETE", "/api/v1/session",              api_logout,           P_ANY,    R_PWCHANGE, 0 },
	{ "GET",    "/api/v1/me",                   api_me,               P_ANY,    R_PWCHANGE, 0 },
	{ "POST",   "/api/v1/me/password",          api_me_password,      P_ANY,    R_NOTX | R_PWCHANGE, 4096 },
	{ "GET",    "/api/v1/tokens",               api_tokens_list,      P_ANY,    0, 0 },
	{ "POST",   "/api/v1/tokens",               api_tokens_create,    P_ANY,    0, 0 },
	{ "DELETE", "/api/v1/tokens/{id}",          api_token_delete,     P_ANY,    0, 0 },
	{ "GET",    "/api/v1/users",                api_users_list,       P_ADMIN,  0, 0 },
	{ "POST",   "/api/v1/users",                api_users_create,     P_ADMIN,  0, 0 },
	{ "GET",    "/api/v1/users/{id}",           api_user_get,         P_ADMIN,  0, 0 },
	{ "PATCH",  "/api/v1/users/{id}",           api_user_update,      P_ADMIN,  0, 0 },
	{ "DELETE", "/api/v1/users/{id}",           api_user_delete,      P_ADMIN,  0, 0 },
	{ "GET",    "/api/v1/audit",                api_audit_list,       P_ADMIN,  0, 0 },
	{ "GET",    "/api/v1/me/notify",            api_me_notify_get,    P_ANY,    0, 0 },
	{ "PUT",    "/api/v1/me/notify",            api_me_notify_put,    P_ANY,    0, 0 },

	/* notifications (issue 13): channels, their test message, the outbox */
	{ "GET",    "/api/v1/channels",             api_channels_list,    P_CHANNEL, 0, 0 },
	{ "POST",   "/api/v1/channels",             api_channels_create,  P_CHANNEL, 0, 0 },
	{ "PATCH",  "/api/v1/channels/{id}",        api_channel_update,   P_CHANNEL, 0, 0 },
	{ "DELETE", "/api/v1/channels/{id}",        api_channel_delete,   P_CHANNEL, 0, 0 },
	{ "POST",   "/api/v1/channels/{id}/test",   api_channel_test,     P_CHANNEL, R_NOTX, 0 },
	{ "GET",    "/api/v1/notifications",        api_notifications_list, P_ANY,  0, 0 },
	{ "GET",    "/api/v1/notifications/{id}",   api_notifications_list, P_ANY,  0, 0 },
	{ "POST",   "/api/v1/notifications/{id}/resend", api_notification_resend, P_ADMIN, 0, 0 },

	/* zone settings and reference lists */
	{ "GET",    "/api/v1/settings",             api_settings_get,     P_PUBLIC,    0, 0 },
	{ "PATCH",  "/api/v1/settings",             api_settings_patch,   P_ADMIN,  0, 0 },
	{ "GET",    "/api/v1/units",                api_units,            P_ANY,    0, 0 },
	{ "GET",    "/api/v1/streets",              api_streets,          P_ANY,    0, 0 },
	{ "POST",   "/api/v1/streets",              api_streets_create,   P_ADMIN,  0, 0 },
	{ "GET",    "/api/v1/departments",          api_departments,      P_ANY,    0, 0 },
	{ "POST",   "/api/v1/departments",          api_departments_create, P_ADMIN, 0, 0 },
	{ "PATCH",  "/api/v1/departments/{id}",     api_department_update, P_ADMIN, 0, 0 },
	{ "GET",    "/api/v1/regions",              api_regions,          P_ZONE,   0, 0 },
	{ "POST",   "/api/v1/regions",              api_regions_create,   P_IND_WRITE, 0, 0 },
	{ "GET",    "/api/v1/summary",              api_summary,          P_ZONE,   0, 0 },

	/* enterprise service: registry, officers, import/export */
	{ "GET",    "/api/v1/enterprises",          api_enterprises_list, P_ANY,    0, 0 },
	{ "POST",   "/api/v1/enterprises",          api_enterprises_create, P_ENT_CREATE, 0, 0 },
	{ "GET",    "/api/v1/enterprises/export",   api_enterprises_export, P_STAFF, 0, 0 },
	{ "POST",   "/api/v1/enterprises/import",   api_enterprises_import, P_ENT_IMPORT, R_RAW | R_NOTX, 64u << 20 },
	{ "GET",    "/api/v1/enterprises/{id}",     api_enterprise_get,   P_ANY,    0, 0 },
	{ "PATCH",  "/api/v1/enterprises/{id}",     api_enterprise_update, P_ENT_EDIT, 0, 0 },
	{ "GET",    "/api/v1/enterprises/{id}/officers", api_enterprise_officers, P_STAFF, 0, 0 },
	/* 一企一档 (issue 14): an enterprise's plans; the handlers narrow to the
	 * editors of the enterprise (its officer) and the enterprise's own */
	{ "GET",    "/api/v1/plan-categories",      api_plan_categories,  P_ANY,    0, 0 },
	{ "POST",   "/api/v1/plan-categories",      api_plan_categories_create, P_ADMIN, 0, 0 },
	{ "GET",    "/api/v1/enterprises/{id}/plans", api_enterprise_plans, P_PLAN_READ, 0, 0 },
	{ "POST",   "/api/v1/enterprises/{id}/plans", api_enterprise_plans_create, P_ENT_EDIT, 0, 0 },
	{ "PATCH",  "/api/v1/enterprises/{id}/plans/{plan_id}", api_enterprise_plan_update, P_ENT_EDIT, 0, 0 },
	{ "DELETE", "/api/v1/enterprises/{id}/plans/{plan_id}", api_enterprise_plan_delete, P_ENT_EDIT, 0, 0 },
	{ "GET",    "/api/v1/enterprises/{id}/policies", api_enterprise_policies, P_PLAN_READ, 0, 0 },
	{ "POST",   "/api/v1/enterprises/{id}/kiosk-code", api_enterprise_kiosk_code, P_ENT_CREATE, 0, 0 },
	{ "GET",    "/api/v1/officers",             api_officers_list,    P_STAFF,  0, 0 },
	{ "GET",    "/api/v1/officers/{id}/enterprises", api_officer_enterprises, P_STAFF, 0, 0 },

	/* enterprise service: visits, requests, inspections, calendar */
	{ "GET",    "/api/v1/visits",               api_visits_list,      P_VISIT_READ, 0, 0 },
	{ "POST",   "/api/v1/visits",               api_visits_create,    P_VISIT,  0, 0 },
	{ "GET",    "/api/v1/visits/{id}",          api_visit_get,        P_VISIT_READ, 0, 0 },
	{ "GET",    "/api/v1/industries",           api_industries, P_ANY,  0, 0 },
	{ "GET",    "/api/v1/request-categories",   api_request_categories, P_ANY,  0, 0 },
	{ "PATCH",  "/api/v1/request-categories/{code}", api_request_category_update, P_ADMIN, 0, 0 },
	{ "GET",    "/api/v1/requests",             api_requests_list,    P_REQ_READ, 0, 0 },
	{ "POST",   "/api/v1/requests",             api_requests_create,  P_REQ_ACT, 0, 0 },
	{ "GET",    "/api/v1/requests/{id}",        api_request_get,      P_REQ_READ, 0, 0 },
	{ "POST",   "/api/v1/requests/{id}/transitions", api_request_transition, P_REQ_ACT, 0, 0 },
	{ "GET",    "/api/v1/inspections",          api_inspections_list, P_INS_READ, 0, 0 },
	{ "POST",   "/api/v1/inspections",          api_inspections_create, P_INSPECT, 0, 0 },
	{ "GET",    "/api/v1/inspections/{id}",     api_inspection_get,   P_INS_READ, 0, 0 },
	{ "POST",   "/api/v1/inspections/{id}/transitions", api_inspection_transition, P_INS_ACT, 0, 0 },
	{ "GET",    "/api/v1/calendar/due",         api_calendar_due,     P_ANY,    0, 0 },
	{ "GET",    "/api/v1/calendar/status",      api_calendar_status,  P_ANY,    0, 0 },
	{ "POST",   "/api/v1/calendar/import",      api_calendar_import,  P_ADMIN,  R_RAW, 0 },
	{ "GET",    "/api/v1/calendar/{year}",      api_calendar_get,     P_ANY,    0, 0 },
	{ "PUT",    "/api/v1/calendar/{year}",      api_calendar_put,     P_ADMIN,  0, 0 },
	{ "GET",    "/api/v1/service/stats",        api_service_stats,    P_STAFF,  0, 0 },

	/* joint consultations (联席会商): meetings, agenda, decisions, tasks, minutes */
	{ "GET",    "/api/v1/meetings",             api_meetings_list,    P_MEET_READ, 0, 0 },
	{ "POST",   "/api/v1/meetings",             api_meetings_create,  P_MEET_WRITE, 0, 0 },
	{ "GET",    "/api/v1/meetings/stats",       api_meetings_stats,   P_MEET_READ, 0, 0 },
	{ "GET",    "/api/v1/meetings/{id}",        api_meeting_get,      P_MEET_READ, 0, 0 },
	{ "PATCH",  "/api/v1/meetings/{id}",        api_meeting_update,   P_MEET_WRITE, 0, 0 },
	{ "POST",   "/api/v1/meetings/{id}/items",  api_meeting_item_add, P_MEET_WRITE, 0, 0 },
	{ "PUT",    "/api/v1/meetings/{id}/items/{item_id}/decision", api_meeting_decision, P_MEET_WRITE, 0, 0 },
	{ "GET",    "/api/v1/meetings/{id}/minutes", api_meeting_minutes, P_MEET_READ, 0, 0 },
	{ "GET",    "/api/v1/meetings/{id}/minutes.docx", api_meeting_minutes_docx, P_MEET_READ, 0, 0 },
	{ "GET",    "/api/v1/meeting-proposals",    api_meeting_proposals_list, P_MEET_READ, 0, 0 },
	{ "POST",   "/api/v1/meeting-proposals",    api_meeting_proposals_create, P_MEET_WRITE, 0, 0 },
	{ "GET",    "/api/v1/meeting-tasks",        api_meeting_tasks_list, P_MEET_READ, 0, 0 },
	{ "PATCH",  "/api/v1/meeting-tasks/{id}",   api_meeting_task_update, P_MEET_WRITE, 0, 0 },

	/* Open311 GeoReport v2 (api_key = an API token; handlers authenticate) */
	{ "GET",    "/open311/v2/discovery.{format}", open311_discovery,  P_PUBLIC, 0, 0 },
	{ "GET",    "/open311/v2/services.{format}", open311_services,    P_PUBLIC, 0, 0 },
	{ "GET",    "/open311/v2/services/{code}.{format}", open311_service, P_PUBLIC, 0, 0 },
	{ "GET",    "/open311/v2/requests.{format}", open311_requests_list, P_PUBLIC, 0, 0 },
	{ "POST",   "/open311/v2/requests.{format}", open311_requests_create, P_PUBLIC, R_RAW, 0 },
	{ "GET",    "/open311/v2/requests/{id}.{format}", open311_request_get, P_PUBLIC, 0, 0 },

	/* investment race: units, leads, projects, trips, the monthly ranking */
	{ "POST",   "/api/v1/units",                api_units_create,     P_ADMIN,  0, 0 },
	{ "PATCH",  "/api/v1/units/{id}",           api_unit_update,      P_ADMIN,  0, 0 },
	{ "GET",    "/api/v1/unit-targets",         api_unit_targets_get, P_ZONE,   0, 0 },
	{ "PUT",    "/api/v1/unit-targets",         api_unit_targets_put, P_RACE_LEAD, 0, 0 },
	{ "GET",    "/api/v1/leads",                api_leads_list,       P_RACE_EDIT,  0, 0 },
	{ "POST",   "/api/v1/leads",                api_leads_create,     P_RACE_EDIT, 0, 0 },
	{ "GET",    "/api/v1/leads/{id}",           api_lead_get,         P_RACE_EDIT,  0, 0 },
	{ "PATCH",  "/api/v1/leads/{id}",           api_lead_update,      P_RACE_EDIT, 0, 0 },
	{ "GET",    "/api/v1/projects",             api_projects_list,    P_ZONE,   0, 0 },
	{ "POST",   "/api/v1/projects",             api_projects_create,  P_RACE_EDIT, 0, 0 },
	{ "GET",    "/api/v1/projects/{id}",        api_project_get,      P_ZONE,   0, 0 },
	{ "PATCH",  "/api/v1/projects/{id}",        api_project_update,   P_RACE_EDIT, 0, 0 },
	{ "GET",    "/api/v1/trips",                api_trips_list,       P_RACE_EDIT,  0, 0 },
	{ "POST",   "/api/v1/trips",                api_trips_create,     P_RACE_EDIT, 0, 0 },
	{ "PATCH",  "/api/v1/trips/{id}",           api_trip_update,      P_RACE_EDIT, 0, 0 },
	{ "DELETE", "/api/v1/trips/{id}",           api_trip_delete,      P_RACE_EDIT, 0, 0 },
	{ "GET",    "/api/v1/quotas",               api_quotas,           P_ZONE,   0, 0 },
	{ "GET",    "/api/v1/race",                 api_race,             P_ZONE,   0, 0 },
	{ "GET",    "/api/v1/race/recruiters",      api_race_recruiters,  P_ZONE,   0, 0 },
	{ "GET",    "/api/v1/race/export",          api_race_export,      P_ZONE,   0, 0 },
	{ "POST",   "/api/v1/race/publish",         api_race_publish,     P_RACE_LEAD, 0, 0 },
	{ "DELETE", "/api/v1/race/publish",         api_race_unpublish,   P_ADMIN,  0, 0 },
	{ "GET",    "/api/v1/race/weights",         api_race_weights_get, P_ZONE,   0, 0 },
	{ "PUT",    "/api/v1/race/weights",         api_race_weights_put, P_ADMIN,  0, 0 },
	{ "POST",   "/api/v1/race/import",          api_race_import,      P_RACE_EDIT, R_RAW | R_NOTX, 32u << 20 },

	/* indicators */
	{ "GET",    "/api/v1/indicators",           api_indicators,       P_ZONE,   0, 0 },
	{ "GET",    "/api/v1/indicators/evaluation", api_indicator_evaluation, P_IND_READ, 0, 0 },
	{ "GET",    "/api/v1/indicators/report",    api_indicator_report, P_IND_READ, 0, 0 },
	{ "GET",    "/api/v1/indicators/bulletin",  api_indicator_bulletin, P_IND_READ, 0, 0 },
	{ "POST",   "/api/v1/indicators/import",    api_indicators_import, P_IND_WRITE, R_RAW | R_NOTX, 16u << 20 },
	{ "POST",   "/api/v1/indicators/targets/import", api_targets_import, P_IND_WRITE, R_RAW | R_NOTX, 16u << 20 },

	/* policies: the library, versions, cases, the match, batches, push */
	{ "GET",    "/api/v1/policies",             api_policies_list,    P_ANY,    0, 0 },
	{ "POST",   "/api/v1/policies",             api_policies_create,  P_POL_WRITE, 0, 0 },
	{ "GET",    "/api/v1/policies/stats",       api_policies_stats,   P_POL_READ, 0, 0 },
	{ "GET",    "/api/v1/policies/{id}",        api_policy_get,       P_ANY,    0, 0 },
	{ "PATCH",  "/api/v1/policies/{id}",        api_policy_update,    P_POL_WRITE, 0, 0 },
	{ "POST",   "/api/v1/policies/{id}/publish", api_policy_publish,  P_POL_WRITE, 0, 0 },
	{ "POST",   "/api/v1/policies/{id}/test",   api_policy_test,      P_POL_READ, 0, 0 },
	{ "GET",    "/api/v1/policies/{id}/match",  api_policy_match,     P_POL_READ, 0, 0 },
	{ "GET",    "/api/v1/policies/{id}/explain", api_policy_explain,  P_POL_READ, 0, 0 },
	{ "POST",   "/api/v1/policies/{id}/push",   api_policy_push,      P_POL_WRITE, 0, 0 },
	{ "GET",    "/api/v1/policies/{id}/batches", api_policy_batches_list, P_POL_READ, 0, 0 },
	{ "POST",   "/api/v1/policies/{id}/batches", api_policy_batches_create, P_POL_WRITE, 0, 0 },
	{ "GET",    "/api/v1/batches",              api_batches_list,     P_POL_READ, 0, 0 },
	{ "GET",    "/api/v1/batches/{id}",         api_batch_get,        P_POL_READ, 0, 0 },
	{ "POST",   "/api/v1/batches/{id}/approve", api_batch_approve,    P_POL_LEAD, 0, 0 },
	{ "POST",   "/api/v1/batches/{id}/reject",  api_batch_reject,     P_POL_LEAD, 0, 0 },
	{ "POST",   "/api/v1/batches/{id}/paid",    api_batch_paid,       P_POL_WRITE, 0, 0 },
	{ "GET",    "/api/v1/batches/{id}/export",  api_batch_export,     P_POL_READ, 0, 0 },
	/* the enterprise inbox: an enterprise account's own (others' items 404) */
	{ "GET",    "/api/v1/inbox",                api_inbox_list,       P_INBOX_READ, 0, 0 },
	{ "POST",   "/api/v1/inbox/{id}/read",      api_inbox_read,       P_INBOX,  0, 0 },
	{ "POST",   "/api/v1/inbox/{id}/confirm",   api_inbox_confirm,    P_INBOX,  0, 0 },
	{ "POST",   "/api/v1/inbox/{id}/decline",   api_inbox_decline,    P_INBOX,  0, 0 },
	{ "POST",   "/api/v1/inbox/{id}/mute",      api_inbox_mute,       P_INBOX,  0, 0 },
	{ "DELETE", "/api/v1/inbox/{id}/mute",      api_inbox_unmute,     P_INBOX,  0, 0 },
	/* per-mu evaluations (亩均效益, issue 11): publication, objections,
	 * measures; an enterprise reads its own rows only (others: 404) */
	{ "GET",    "/api/v1/land/evaluations",     api_land_evaluations_list, P_LAND_READ, 0, 0 },
	{ "POST",   "/api/v1/land/evaluations",     api_land_evaluations_create, P_LAND_WRITE, 0, 0 },
	{ "GET",    "/api/v1/land/evaluations/{id}", api_land_evaluation_get, P_LAND_READ, 0, 0 },
	{ "GET",    "/api/v1/land/evaluations/{id}/distribution", api_land_evaluation_distribution, P_LAND_READ, 0, 0 },
	{ "POST",   "/api/v1/land/evaluations/{id}/publish", api_land_evaluation_publish, P_LAND_WRITE, 0, 0 },
	{ "POST",   "/api/v1/land/evaluations/{id}/finalize", api_land_evaluation_finalize, P_LAND_WRITE, 0, 0 },
	{ "GET",    "/api/v1/land/evaluations/{id}/export", api_land_evaluation_export, P_LAND_READ, 0, 0 },
	{ "GET",    "/api/v1/land/evaluations/{id}/plots", api_land_evaluation_plots, P_LAND_READ, 0, 0 },
	{ "POST",   "/api/v1/land/evaluations/{id}/objections", api_land_objections_create, P_LAND_ENT, 0, 0 },
	{ "GET",    "/api/v1/land/objections",      api_land_objections_list, P_LAND_OWN, 0, 0 },
	{ "GET",    "/api/v1/land/objections/{id}", api_land_objection_get, P_LAND_OWN, 0, 0 },
	{ "POST",   "/api/v1/land/objections/{id}/files", api_land_objection_file_add, P_LAND_ENT, R_RAW, LAND_OBJ_FILE_MAX },
	{ "GET",    "/api/v1/land/objections/{id}/files/{fid}", api_land_objection_file_get, P_LAND_OWN, 0, 0 },
	{ "POST",   "/api/v1/land/objections/{id}/decision", api_land_objection_decision, P_LAND_WRITE, 0, 0 },
	{ "GET",    "/api/v1/land/low-efficiency",  api_land_low_efficiency, P_LAND_READ, 0, 0 },
	{ "GET",    "/api/v1/land/low-efficiency/export", api_land_low_efficiency_export, P_LAND_READ, 0, 0 },
	{ "GET",    "/api/v1/land/enterprises/{id}", api_land_enterprise, P_LAND_OWN, 0, 0 },
	{ "GET",    "/api/v1/land/measures",        api_land_measures,    P_LAND_READ, 0, 0 },
	{ "GET",    "/api/v1/land/measures/export", api_land_measures_export, P_LAND_READ, 0, 0 },
	/* yearly facts of the enterprises (issue 10) */
	{ "GET",    "/api/v1/facts/defs",           api_fact_defs_list,   P_ANY,    0, 0 },
	{ "POST",   "/api/v1/facts/defs",           api_fact_defs_create, P_ADMIN,  0, 0 },
	{ "POST",   "/api/v1/facts/import",         api_facts_import,     P_FACT_WRITE, R_RAW | R_NOTX, 64u << 20 },
	{ "GET",    "/api/v1/enterprises/{id}/facts", api_enterprise_facts, P_ANY,  0, 0 },

	/* plots, their users and regeneration (issue 11) */
	{ "GET",    "/api/v1/plots",                api_plots_list,       P_LAND_READ,  0, 0 },
	{ "POST",   "/api/v1/plots",                api_plots_create,     P_LAND_WRITE, 0, 0 },
	{ "GET",    "/api/v1/plots/geojson",        api_plots_geojson,    P_LAND_READ,  0, 0 },
	{ "POST",   "/api/v1/plots/import",         api_plots_import,     P_LAND_WRITE, R_RAW | R_NOTX, 64u << 20 },
	{ "GET",    "/api/v1/plots/{id}",           api_plot_get,         P_LAND_READ,  0, 0 },
	{ "PATCH",  "/api/v1/plots/{id}",           api_plot_update,      P_LAND_WRITE, 0, 0 },
	{ "PUT",    "/api/v1/plots/{id}/users",     api_plot_users,       P_LAND_WRITE, 0, 0 },

	/* imports: every upload above is a background job, read and cancelled
	 * by its owner or an admin (others: 404) */
	{ "GET",    "/api/v1/imports/{id}",         import_job_get,       P_IMPORT, 0, 0 },
	{ "POST",   "/api/v1/imports/{id}/cancel",  import_job_cancel,    P_IMPORT, R_NOTX, 0 },

	/* the browser UI: last, catches every other GET */
	{ "GET",    "/",                            static_serve,         P_PUBLIC, R_PREFIX, 0 },
};

const int nroutes = (int)(sizeof routes / sizeof routes[0]);
