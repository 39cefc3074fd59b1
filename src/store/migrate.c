/*
 * migrate.c -- numbered schema migrations, recorded in schema_migrations.
 *
 * The DDL text is shared by both stores; three tokens differ per store:
 *   @ID@   an auto-increment primary key column type
 *   @BLOB@ binary data
 *   @WITHOUT_ROWID@ " WITHOUT ROWID" after a table with a primary key
 *          (SQLite: the table is its primary key's B-tree), else nothing
 * Everything else keeps to the common dialect; where one store needs DDL
 * of its own, its fill entry names it (migrations 18 and 19: PostgreSQL's
 * checks of references; 20: SQLite's enterprises made again).  Add a
 * migration by appending to the table; never edit one that has shipped.
 * The indexes a load may make after its rows (db_indexes_defer) are listed
 * at the end, as the migrations made them.
 */
#include "store_impl.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct migration {
	int version;
	const char *name;
	const char *sql;
};

/* What a migration does beyond its common sql: SQL for one store only
 * (only_sql on store only), then data converted by code (fill), then
 * sql_after (DDL best run once the rows are in, such as an index). */
struct migration_fill {
	int version;
	enum db_kind only;
	const char *only_sql;
	int (*fill)(db_t *db);
	const char *sql_after;
	int fk_off;          /* SQLite: foreign keys off during the migration (a
	                        table made again), checked before its commit */
};


static const struct migration migrations[] = {
{ 1, "platform: settings, org structure, users, sessions, tokens, audit",
"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL);\n"
"CREATE TABLE units (id @ID@, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, name_en TEXT NOT NULL DEFAULT '',\n"
"  kind TEXT NOT NULL CHECK (kind IN ('bureau','company')), sort INTEGER NOT NULL DEFAULT 0);\n"
"CREATE TABLE streets (id @ID@, name TEXT NOT NULL UNIQUE, name_en TEXT NOT NULL DEFAULT '');\n"
"CREATE TABLE departments (id @ID@, name TEXT NOT NULL UNIQUE, name_en TEXT NOT NULL DEFAULT '',\n"
"  level TEXT NOT NULL DEFAULT 'district' CHECK (level IN ('district','city','province')));\n"
"CREATE TABLE users (id @ID@, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL DEFAULT '',\n"
"  role TEXT NOT NULL CHECK (role IN ('admin','leader','recruiter','officer','department','statistician','enterprise')),\n"
"  password_hash TEXT NOT NULL, unit_id BIGINT, enterprise_id BIGINT, department_id BIGINT,\n"
"  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);\n"
"CREATE INDEX users_role ON users (role);\n"
"CREATE TABLE sessions (id @ID@, token_hash TEXT NOT NULL UNIQUE,\n"
"  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, csrf TEXT NOT NULL,\n"
"  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);\n"
"CREATE INDEX sessions_user ON sessions (user_id);\n"
"CREATE TABLE api_tokens (id @ID@, token_hash TEXT NOT NULL UNIQUE,\n"
"  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, name TEXT NOT NULL DEFAULT '',\n"
"  created_at BIGINT NOT NULL);\n"
"CREATE TABLE login_failures (id @ID@, key TEXT NOT NULL, at BIGINT NOT NULL);\n"
"CREATE INDEX login_failures_key ON login_failures (key, at);\n"
"CREATE TABLE audit_log (id @ID@, at BIGINT NOT NULL, user_id BIGINT, username TEXT NOT NULL DEFAULT '',\n"
"  action TEXT NOT NULL, entity TEXT NOT NULL DEFAULT '', entity_id TEXT NOT NULL DEFAULT '',\n"
"  status INTEGER NOT NULL DEFAULT 0, detail TEXT NOT NULL DEFAULT '', ip TEXT NOT NULL DEFAULT '');\n"
"CREATE INDEX audit_log_at ON audit_log (at);\n"
},
{ 2, "domain core: enterprises, projects, regions and monthly indicators",
"CREATE TABLE enterprises (id @ID@, credit_code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,\n"
"  street_id BIGINT REFERENCES streets(id), industry TEXT NOT NULL DEFAULT '',\n"
"  is_key INTEGER NOT NULL DEFAULT 0, officer_id BIGINT REFERENCES users(id) ON DELETE SET NULL,\n"
"  department_id BIGINT REFERENCES departments(id),\n"
"  contact_name TEXT NOT NULL DEFAULT '', contact_phone TEXT NOT NULL DEFAULT '',\n"
"  employees INTEGER NOT NULL DEFAULT 0, registered_capital_wan BIGINT NOT NULL DEFAULT 0,\n"
"  land_mu DOUBLE PRECISION NOT NULL DEFAULT 0, founded_on TEXT NOT NULL DEFAULT '',\n"
"  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);\n"
"CREATE INDEX enterprises_street ON enterprises (street_id);\n"
"CREATE INDEX enterprises_officer ON enterprises (officer_id);\n"
"CREATE TABLE projects (id @ID@, name TEXT NOT NULL, unit_id BIGINT NOT NULL REFERENCES units(id),\n"
"  recruiter_id BIGINT REFERENCES users(id) ON DELETE SET NULL,\n"
"  enterprise_id BIGINT REFERENCES enterprises(id), industry TEXT NOT NULL DEFAULT '',\n"
"  stage TEXT NOT NULL CHECK (stage IN ('lead','negotiating','signed','landed','started','producing')),\n"
"  total_investment_wan BIGINT NOT NULL DEFAULT 0, foreign_investment_wan_usd BIGINT NOT NULL DEFAULT 0,\n"
"  lead_on TEXT NOT NULL DEFAULT '', signed_on TEXT NOT NULL DEFAULT '', landed_on TEXT NOT NULL DEFAULT '',\n"
"  started_on TEXT NOT NULL DEFAULT '', producing_on TEXT NOT NULL DEFAULT '',\n"
"  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);\n"
"CREATE INDEX projects_unit ON projects (unit_id, stage);\n"
"CREATE TABLE regions (id @ID@, name TEXT NOT NULL UNIQUE, name_en TEXT NOT NULL DEFAULT '',\n"
"  is_zone INTEGER NOT NULL DEFAULT 0, sort INTEGER NOT NULL DEFAULT 0);\n"
"CREATE TABLE indicator_values (region_id BIGINT NOT NULL REFERENCES regions(id),\n"
"  indicator TEXT NOT NULL, year INTEGER NOT NULL, month INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),\n"
"  value BIGINT NOT NULL, PRIMARY KEY (region_id, indicator, year, month));\n"
"CREATE TABLE indicator_targets (region_id BIGINT NOT NULL REFERENCES regions(id), indicator TEXT NOT NULL,\n"
"  year INTEGER NOT NULL, value BIGINT NOT NULL, PRIMARY KEY (region_id, indicator, year));\n"
},
{ 3, "enterprise service: search grams, officer history, visits, requests and inspections, calendar, imports",
"ALTER TABLE enterprises ADD COLUMN credit_code_note TEXT NOT NULL DEFAULT '';\n"
"CREATE INDEX enterprises_industry ON enterprises (industry);\n"
"CREATE TABLE enterprise_grams (gram TEXT NOT NULL,\n"
"  enterprise_id BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE, PRIMARY KEY (gram, enterprise_id));\n"
"CREATE INDEX enterprise_grams_ent ON enterprise_grams (enterprise_id);\n"
"CREATE TABLE officer_assignments (id @ID@, enterprise_id BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,\n"
"  officer_id BIGINT REFERENCES users(id) ON DELETE SET NULL, started_at BIGINT NOT NULL, ended_at BIGINT,\n"
"  assigned_by BIGINT, note TEXT NOT NULL DEFAULT '');\n"
"CREATE INDEX officer_assignments_ent ON officer_assignments (enterprise_id, started_at);\n"
"CREATE TABLE kiosk_codes (id @ID@, enterprise_id BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,\n"
"  code_hash TEXT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT, created_by BIGINT, created_at BIGINT NOT NULL);\n"
"CREATE INDEX kiosk_codes_ent ON kiosk_codes (enterprise_id, expires_at);\n"
"CREATE TABLE visits (id @ID@, enterprise_id BIGINT NOT NULL REFERENCES enterprises(id), visited_on TEXT NOT NULL,\n"
"  visitor_id BIGINT REFERENCES users(id) ON DELETE SET NULL, department_id BIGINT REFERENCES departments(id),\n"
"  people_met TEXT NOT NULL DEFAULT '', notes TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL);\n"
"CREATE INDEX visits_ent ON visits (enterprise_id, visited_on);\n"
"CREATE INDEX visits_on ON visits (visited_on);\n"
"CREATE TABLE time_limit_classes (code TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT NOT NULL DEFAULT '',\n"
"  months INTEGER NOT NULL DEFAULT 0, working_days INTEGER NOT NULL DEFAULT 0);\n"
"CREATE TABLE request_categories (code TEXT PRIMARY KEY, name TEXT NOT NULL, name_en TEXT NOT NULL DEFAULT '',\n"
"  limit_class TEXT REFERENCES time_limit_classes(code), limit_days INTEGER NOT NULL DEFAULT 0,\n"
"  sort INTEGER NOT NULL DEFAULT 0);\n"
"CREATE TABLE calendar_days (day TEXT PRIMARY KEY, is_workday INTEGER NOT NULL, note TEXT NOT NULL DEFAULT '');\n"
"CREATE TABLE calendar_years (year INTEGER PRIMARY KEY, loaded_at BIGINT NOT NULL, source TEXT NOT NULL DEFAULT '');\n"
"CREATE TABLE requests (id @ID@, kind TEXT NOT NULL DEFAULT 'request' CHECK (kind IN ('request','inspection')),\n"
"  enterprise_id BIGINT REFERENCES enterprises(id), category TEXT NOT NULL, title TEXT NOT NULL,\n"
"  description TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT 'staff', visit_id BIGINT REFERENCES visits(id),\n"
"  status TEXT NOT NULL, department_id BIGINT REFERENCES departments(id),\n"
"  level TEXT NOT NULL DEFAULT 'district' CHECK (level IN ('district','city','province')),\n"
"  accepted_on TEXT NOT NULL DEFAULT '', due_on TEXT NOT NULL DEFAULT '', paused_since TEXT NOT NULL DEFAULT '',\n"
"  evidence TEXT NOT NULL DEFAULT '', rating INTEGER CHECK (rating BETWEEN 1 AND 5), rating_comment TEXT NOT NULL DEFAULT '',\n"
"  resolved_at BIGINT, closed_at BIGINT, created_by BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);\n"
"CREATE INDEX requests_ent ON requests (enterprise_id, created_at);\n"
"CREATE INDEX requests_status ON requests (kind, status, due_on);\n"
"CREATE INDEX requests_dept ON requests (department_id, status);\n"
"CREATE TABLE request_events (id @ID@, request_id BIGINT NOT NULL REFERENCES requests(id) ON DELETE CASCADE,\n"
"  at BIGINT NOT NULL, user_id BIGINT, username TEXT NOT NULL DEFAULT '', action TEXT NOT NULL,\n"
"  from_status TEXT NOT NULL DEFAULT '', to_status TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');\n"
"CREATE INDEX request_events_req ON request_events (request_id, id);\n"
"CREATE TABLE import_jobs (id @ID@, kind TEXT NOT NULL, user_id BIGINT, filename TEXT NOT NULL DEFAULT '',\n"
"  format TEXT NOT NULL DEFAULT 'csv', mode TEXT NOT NULL DEFAULT 'all', dry_run INTEGER NOT NULL DEFAULT 0,\n"
"  status TEXT NOT NULL DEFAULT 'queued', total_rows INTEGER NOT NULL DEFAULT 0, processed_rows INTEGER NOT NULL DEFAULT 0,\n"
"  created_rows INTEGER NOT NULL DEFAULT 0, updated_rows INTEGER NOT NULL DEFAULT 0, error_rows INTEGER NOT NULL DEFAULT 0,\n"
"  report TEXT NOT NULL DEFAULT '', payload @BLOB@, created_at BIGINT NOT NULL, finished_at BIGINT);\n"
},
{ 4, "requests: resolution text, default time-limit classes and request categories",
"ALTER TABLE requests ADD COLUMN resolution TEXT NOT NULL DEFAULT '';\n"
"CREATE INDEX requests_visit ON requests (visit_id);\n"
"CREATE INDEX visits_visitor ON visits (visitor_id, visited_on);\n"
"INSERT INTO time_limit_classes (code, name, name_en, months, working_days) VALUES\n"
"  ('A', 'A类（1个月）', 'Class A (1 month)', 1, 0),\n"
"  ('B', 'B类（15个工作日）', 'Class B (15 working days)', 0, 15),\n"
"  ('C', 'C类（5个工作日）', 'Class C (5 working days)', 0, 5)\n"
"  ON CONFLICT (code) DO NOTHING;\n"
"INSERT INTO request_categories (code, name, name_en, limit_class, limit_days, sort) VALUES\n"
"  ('labour', '用工', 'Labour and recruitment', 'B', 0, 1),\n"
"  ('land', '用地', 'Land', 'A', 0, 2),\n"
"  ('approval', '审批', 'Approvals', 'C', 0, 3),\n"
"  ('financing', '融资', 'Financing', 'B', 0, 4),\n"
"  ('schooling', '子女入学', 'Schooling of employees'' children', 'B', 0, 5),\n"
"  ('customs', '海关通关', 'Customs clearance', 'C', 0, 6),\n"
"  ('policy', '政策咨询', 'Policy enquiries', 'C', 0, 7),\n"
"  ('other', '其他', 'Other', 'B', 0, 8)\n"
"  ON CONFLICT (code) DO NOTHING;\n"
},
{ 5, "indicators: the code fdi_utilised, an index by period for the evaluation",
"UPDATE indicator_values SET indicator = 'fdi_utilised' WHERE indicator = 'fdi';\n"
"UPDATE indicator_targets SET indicator = 'fdi_utilised' WHERE indicator = 'fdi';\n"
"CREATE INDEX indicator_values_period ON indicator_values (year, month);\n"
},
{ 6, "race: leads, project links and figures, trips, unit targets, published monthly results",
"CREATE TABLE leads (id @ID@, unit_id BIGINT NOT NULL REFERENCES units(id),\n"
"  recruiter_id BIGINT REFERENCES users(id) ON DELETE SET NULL, company TEXT NOT NULL,\n"
"  company_key TEXT NOT NULL, credit_code TEXT NOT NULL DEFAULT '', industry TEXT NOT NULL DEFAULT '',\n"
"  est_investment_wan BIGINT NOT NULL DEFAULT 0, captured_on TEXT NOT NULL,\n"
"  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','qualified','rejected')),\n"
"  duplicate_of BIGINT REFERENCES leads(id), notes TEXT NOT NULL DEFAULT '',\n"
"  created_by BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);\n"
"CREATE INDEX leads_unit_month ON leads (unit_id, captured_on);\n"
"CREATE INDEX leads_captured ON leads (captured_on);\n"
"CREATE INDEX leads_company ON leads (company_key);\n"
"CREATE INDEX leads_code ON leads (credit_code);\n"
"CREATE INDEX leads_recruiter ON leads (recruiter_id, captured_on);\n"
"ALTER TABLE projects ADD COLUMN lead_id BIGINT REFERENCES leads(id);\n"
"ALTER TABLE projects ADD COLUMN land_mu DOUBLE PRECISION NOT NULL DEFAULT 0;\n"
"ALTER TABLE projects ADD COLUMN expected_annual_tax_wan BIGINT NOT NULL DEFAULT 0;\n"
"CREATE INDEX projects_signed ON projects (signed_on);\n"
"CREATE INDEX projects_landed ON projects (landed_on);\n"
"CREATE INDEX projects_lead ON projects (lead_id);\n"
"CREATE TABLE trips (id @ID@, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
"  start_on TEXT NOT NULL, end_on TEXT NOT NULL, destination TEXT NOT NULL DEFAULT '',\n"
"  visits INTEGER NOT NULL DEFAULT 0, companies TEXT NOT NULL DEFAULT '',\n"
"  created_by BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);\n"
"CREATE INDEX trips_user ON trips (user_id, start_on);\n"
"CREATE INDEX trips_start ON trips (start_on);\n"
"CREATE INDEX trips_end ON trips (end_on);\n"
"CREATE TABLE unit_targets (unit_id BIGINT NOT NULL REFERENCES units(id), year INTEGER NOT NULL,\n"
"  signed_investment_wan BIGINT NOT NULL DEFAULT 0, landed_projects INTEGER NOT NULL DEFAULT 0,\n"
"  leads INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (unit_id, year));\n"
"CREATE TABLE race_results (month TEXT PRIMARY KEY, weights TEXT NOT NULL, result TEXT NOT NULL,\n"
"  published_by BIGINT, published_at BIGINT NOT NULL);\n"
},
{ 7, "race: the six units of the 4+2 layout exist by default",
"INSERT INTO units (code, name, name_en, kind, sort) VALUES\n"
"  ('ib', '招商局', 'Investment Attraction Bureau', 'bureau', 1),\n"
"  ('ipb', '投资促进局', 'Investment Promotion Bureau', 'bureau', 2),\n"
"  ('sdb', '服务业发展局', 'Service Industry Development Bureau', 'bureau', 3),\n"
"  ('ftz', '综保区管理局招商部', 'Investment Department, Comprehensive Bonded Zone Administration', 'bureau', 4),\n"
"  ('iic', '工业招商公司', 'Industrial Investment Attraction Company', 'company', 5),\n"
"  ('sic', '服务业招商公司', 'Service Industry Investment Attraction Company', 'company', 6)\n"
"  ON CONFLICT (code) DO NOTHING;\n"
},
{ 8, "accounts: token expiry and last use, kiosk sessions, must_change_password",
/* tokens made before expiry existed live 90 days from their creation */
"ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;\n"
"ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;\n"
"UPDATE api_tokens SET expires_at = created_at + 7776000;\n"
"CREATE INDEX api_tokens_user ON api_tokens (user_id);\n"
"ALTER TABLE sessions ADD COLUMN kiosk INTEGER NOT NULL DEFAULT 0;\n"
"ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;\n"
"ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;\n"
"CREATE INDEX login_failures_at ON login_failures (at);\n"
},
{ 9, "imports: jobs cancelled and watched (heartbeat); a lead's claims found by index",
"ALTER TABLE import_jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;\n"
"ALTER TABLE import_jobs ADD COLUMN heartbeat_at BIGINT NOT NULL DEFAULT 0;\n"
"ALTER TABLE import_jobs ADD COLUMN written_rows INTEGER NOT NULL DEFAULT 0;\n"
"CREATE INDEX import_jobs_unfinished ON import_jobs (status, heartbeat_at);\n"
/* the claims (not a duplicate, not rejected) of a company per unit, oldest
 * first: the duplicate check seeks the first claim of each other unit */
"CREATE INDEX leads_claim_key ON leads (company_key, unit_id, created_at, id)\n"
"  WHERE duplicate_of IS NULL AND status <> 'rejected';\n"
"CREATE INDEX leads_claim_code ON leads (credit_code, unit_id, created_at, id)\n"
"  WHERE duplicate_of IS NULL AND status <> 'rejected';\n"
},
{ 10, "policies: yearly facts and their definitions, policies in versions, batches and their items, the enterprise inbox, mutes",
/* Every number column here (facts.value, amount) is exact, value x 10^4.
 * facts: yearly numbers of an enterprise; value exact as value x 10^4
 * (万元 to 4 decimals is one yuan); yes/no facts 0 or 10000 */
"CREATE TABLE fact_defs (name TEXT PRIMARY KEY, label TEXT NOT NULL, label_en TEXT NOT NULL DEFAULT '',\n"
"  unit TEXT NOT NULL DEFAULT '', unit_en TEXT NOT NULL DEFAULT '',\n"
"  type TEXT NOT NULL DEFAULT 'number' CHECK (type IN ('number','bool')),\n"
"  builtin INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL DEFAULT 0);\n"
"INSERT INTO fact_defs (name, label, label_en, unit, unit_en, type, builtin) VALUES\n"
"  ('revenue', '营业收入', 'revenue', '万元', '×10k yuan', 'number', 1),\n"
"  ('tax_paid', '纳税额', 'tax paid', '万元', '×10k yuan', 'number', 1),\n"
"  ('rd_spending', '研发投入', 'R&D spending', '万元', '×10k yuan', 'number', 1),\n"
"  ('output_value', '产值', 'output value', '万元', '×10k yuan', 'number', 1),\n"
"  ('value_added', '增加值', 'value added', '万元', '×10k yuan', 'number', 1),\n"
"  ('employees', '从业人数', 'employees', '人', 'persons', 'number', 1),\n"
"  ('new_employees', '新增就业人数', 'new employees', '人', 'persons', 'number', 1),\n"
"  ('energy_tce', '综合能耗', 'energy use', '吨标煤', 'tce', 'number', 1),\n"
"  ('emissions_t', '排放量', 'emissions', '吨', 't', 'number', 1),\n"
"  ('exports', '出口额', 'exports', '万美元', '×10k USD', 'number', 1),\n"
"  ('high_tech', '高新技术企业', 'a high-tech enterprise', '', '', 'bool', 1),\n"
"  ('listed', '上市企业', 'a listed company', '', '', 'bool', 1);\n"
"CREATE TABLE facts (enterprise_id BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,\n"
"  year INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 2199), fact TEXT NOT NULL REFERENCES fact_defs(name),\n"
"  value BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (enterprise_id, year, fact));\n"
/* the match reads one (fact, year) over every enterprise */
"CREATE INDEX facts_by_fact ON facts (fact, year, enterprise_id, value);\n"
/* policies: one row per version; a published version is never edited,
 * PATCH adds version + 1 with the same code */
"CREATE TABLE policies (id @ID@, code TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 1,\n"
"  name TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '', tags TEXT NOT NULL DEFAULT '[]',\n"
"  condition TEXT NOT NULL, benefit TEXT NOT NULL, cases TEXT NOT NULL DEFAULT '[]',\n"
"  state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','published','superseded','withdrawn')),\n"
"  created_by BIGINT REFERENCES users(id) ON DELETE SET NULL, created_at BIGINT NOT NULL,\n"
"  published_at BIGINT, UNIQUE (code, version));\n"
"CREATE TABLE policy_batches (id @ID@, policy_id BIGINT NOT NULL REFERENCES policies(id),\n"
"  policy_code TEXT NOT NULL, year INTEGER NOT NULL,\n"
"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','approved','rejected','closed')),\n"
"  created_by BIGINT REFERENCES users(id) ON DELETE SET NULL, created_at BIGINT NOT NULL,\n"
"  approved_by BIGINT REFERENCES users(id) ON DELETE SET NULL, approved_at BIGINT,\n"
"  note TEXT NOT NULL DEFAULT '');\n"
"CREATE INDEX policy_batches_policy ON policy_batches (policy_code, year);\n"
/* nothing granted twice: one item per (policy code, year, enterprise),
 * whatever the batch or version; a rejected batch's items are deleted */
"CREATE TABLE policy_batch_items (id @ID@, batch_id BIGINT NOT NULL REFERENCES policy_batches(id),\n"
"  policy_code TEXT NOT NULL, year INTEGER NOT NULL,\n"
"  enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),\n"
"  amount BIGINT NOT NULL, explanation TEXT NOT NULL DEFAULT '{}',\n"
"  state TEXT NOT NULL DEFAULT 'granted' CHECK (state IN ('granted','confirmed','declined','paid')),\n"
"  reason TEXT NOT NULL DEFAULT '', decided_at BIGINT, paid_at BIGINT,\n"
"  UNIQUE (policy_code, year, enterprise_id));\n"
"CREATE INDEX policy_batch_items_batch ON policy_batch_items (batch_id);\n"
"CREATE INDEX policy_batch_items_enterprise ON policy_batch_items (enterprise_id);\n"
/* the enterprise inbox: grants to confirm, pushes, request updates */
"CREATE TABLE inbox (id @ID@, enterprise_id BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,\n"
"  kind TEXT NOT NULL CHECK (kind IN ('grant','push','request')),\n"
"  batch_id BIGINT REFERENCES policy_batches(id), item_id BIGINT REFERENCES policy_batch_items(id),\n"
"  policy_id BIGINT REFERENCES policies(id), request_id BIGINT,\n"
"  amount BIGINT, title TEXT NOT NULL DEFAULT '', body TEXT NOT NULL DEFAULT '{}',\n"
"  month TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL, read_at BIGINT);\n"
"CREATE INDEX inbox_enterprise ON inbox (enterprise_id, created_at);\n"
"CREATE INDEX inbox_push_month ON inbox (enterprise_id, kind, month);\n"
"CREATE TABLE policy_mutes (enterprise_id BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,\n"
"  policy_code TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (enterprise_id, policy_code));\n"
},
{ 11, "land: plots and their users, regeneration, per-mu evaluations with results, objections and their files",
/* Areas (area_mu, land_mu, area_freed_mu) and scores are exact decimals x
 * 10^4, like facts.value.  The land bureau: departments.land_bureau = 1;
 * its department users edit plots and evaluations (docs/permissions.md). */
"ALTER TABLE departments ADD COLUMN land_bureau INTEGER NOT NULL DEFAULT 0;\n"
"CREATE TABLE plots (id @ID@, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL DEFAULT '',\n"
"  area_mu BIGINT NOT NULL CHECK (area_mu > 0), street_id BIGINT REFERENCES streets(id),\n"
"  land_use TEXT NOT NULL DEFAULT 'industrial' CHECK (land_use IN ('industrial','service','residential','ecological')),\n"
"  status TEXT NOT NULL DEFAULT 'in_use' CHECK (status IN ('in_use','idle','low_efficiency','vacating','cleared','redeveloping','redeveloped')),\n"
/* geometry: the validated GeoJSON geometry (Polygon or MultiPolygon) as
 * text, NULL when none; crs: EPSG:4326 (WGS 84) or EPSG:4490 (CGCS2000) */
"  geometry TEXT, crs TEXT NOT NULL DEFAULT 'EPSG:4326' CHECK (crs IN ('EPSG:4326','EPSG:4490')),\n"
/* regeneration (空间再造): enterprises to move and moved, area freed, the
 * race project that will use the plot, its planned investment */
"  to_move INTEGER NOT NULL DEFAULT 0 CHECK (to_move >= 0), moved INTEGER NOT NULL DEFAULT 0 CHECK (moved >= 0),\n"
"  area_freed_mu BIGINT NOT NULL DEFAULT 0 CHECK (area_freed_mu >= 0),\n"
"  project_id BIGINT REFERENCES projects(id) ON DELETE SET NULL,\n"
"  investment_wan BIGINT NOT NULL DEFAULT 0, note TEXT NOT NULL DEFAULT '',\n"
"  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);\n"
"CREATE INDEX plots_status ON plots (status);\n"
"CREATE INDEX plots_street ON plots (street_id);\n"
"CREATE TABLE plot_users (plot_id BIGINT NOT NULL REFERENCES plots(id) ON DELETE CASCADE,\n"
"  enterprise_id BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,\n"
"  area_mu BIGINT NOT NULL CHECK (area_mu > 0), PRIMARY KEY (plot_id, enterprise_id));\n"
"CREATE INDEX plot_users_enterprise ON plot_users (enterprise_id, area_mu);\n"
/* a plot's status changes, for the regeneration's progress */
"CREATE TABLE plot_events (id @ID@, plot_id BIGINT NOT NULL REFERENCES plots(id) ON DELETE CASCADE,\n"
"  at BIGINT NOT NULL, user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,\n"
"  from_status TEXT NOT NULL DEFAULT '', to_status TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');\n"
"CREATE INDEX plot_events_plot ON plot_events (plot_id, at);\n"
/* an evaluation: params is the JSON of everything it was computed with
 * (weights, benchmarks, cap, classing, min_land_mu), so that a result can
 * always be recomputed and explained; a change of them is a new evaluation */
"CREATE TABLE land_evaluations (id @ID@, year INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 2199),\n"
"  preset TEXT NOT NULL CHECK (preset IN ('zhejiang','jiangsu')),\n"
"  scope TEXT NOT NULL DEFAULT 'industrial' CHECK (scope IN ('industrial','all')),\n"
"  params TEXT NOT NULL DEFAULT '{}',\n"
"  state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','published','final')),\n"
"  publish_days INTEGER NOT NULL DEFAULT 0, publish_until TEXT NOT NULL DEFAULT '',\n"
"  created_by BIGINT REFERENCES users(id) ON DELETE SET NULL, created_at BIGINT NOT NULL,\n"
"  published_at BIGINT, finalized_at BIGINT);\n"
"CREATE INDEX land_evaluations_year ON land_evaluations (year, state);\n"
/* one row per enterprise in scope: class A-D with rank and score, or T
 * with reason (small_land, too_new, utility); indicators: the JSON of the
 * API answer; final_class: the class after the objections (NULL: class) */
"CREATE TABLE land_results (evaluation_id BIGINT NOT NULL REFERENCES land_evaluations(id) ON DELETE CASCADE,\n"
"  enterprise_id BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,\n"
"  rank INTEGER, score BIGINT, land_mu BIGINT NOT NULL DEFAULT 0,\n"
"  class TEXT NOT NULL CHECK (class IN ('A','B','C','D','T')), reason TEXT NOT NULL DEFAULT '',\n"
"  indicators TEXT NOT NULL DEFAULT '{}', final_class TEXT CHECK (final_class IN ('A','B','C','D','T')),\n"
"  PRIMARY KEY (evaluation_id, enterprise_id));\n"
"CREATE INDEX land_results_enterprise ON land_results (enterprise_id);\n"
"CREATE TABLE land_objections (id @ID@, evaluation_id BIGINT NOT NULL REFERENCES land_evaluations(id) ON DELETE CASCADE,\n"
"  enterprise_id BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,\n"
"  text TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','upheld','rejected')),\n"
"  new_class TEXT CHECK (new_class IN ('A','B','C','D','T')), decision_note TEXT NOT NULL DEFAULT '',\n"
"  created_by BIGINT REFERENCES users(id) ON DELETE SET NULL, created_at BIGINT NOT NULL,\n"
"  decided_by BIGINT REFERENCES users(id) ON DELETE SET NULL, decided_at BIGINT,\n"
"  UNIQUE (evaluation_id, enterprise_id));\n"
"CREATE INDEX land_objections_enterprise ON land_objections (enterprise_id);\n"
"CREATE TABLE land_objection_files (id @ID@, objection_id BIGINT NOT NULL REFERENCES land_objections(id) ON DELETE CASCADE,\n"
"  name TEXT NOT NULL, mime TEXT NOT NULL DEFAULT 'application/octet-stream', size BIGINT NOT NULL,\n"
"  data @BLOB@ NOT NULL, created_at BIGINT NOT NULL);\n"
"CREATE INDEX land_objection_files_objection ON land_objection_files (objection_id);\n"
},
{ 12, "service truth: acceptance deadlines, provisional due dates, the level a request was solved at, every department that held a request; a project's negotiation date; the audit log's label",
/* accept_due_on: the last working day to accept a submitted request
 * (setting accept_days, default 1); *_provisional = 1 when a date was
 * computed on Monday-Friday because its year's calendar was not loaded
 * (recomputed when it is); resolved_level: the level that solved it */
"ALTER TABLE requests ADD COLUMN accept_due_on TEXT NOT NULL DEFAULT '';\n"
"ALTER TABLE requests ADD COLUMN accept_due_provisional INTEGER NOT NULL DEFAULT 0;\n"
"ALTER TABLE requests ADD COLUMN due_provisional INTEGER NOT NULL DEFAULT 0;\n"
"ALTER TABLE requests ADD COLUMN resolved_level TEXT NOT NULL DEFAULT '';\n"
"CREATE INDEX requests_accept_due ON requests (kind, status, accept_due_on);\n"
/* the departments that held a request (escalation hands it on; the
 * earlier ones keep read access and see the progress) */
"CREATE TABLE request_departments (request_id BIGINT NOT NULL REFERENCES requests(id) ON DELETE CASCADE,\n"
"  department_id BIGINT NOT NULL REFERENCES departments(id), since BIGINT NOT NULL,\n"
"  PRIMARY KEY (request_id, department_id));\n"
"CREATE INDEX request_departments_dept ON request_departments (department_id, request_id);\n"
"ALTER TABLE projects ADD COLUMN negotiating_on TEXT NOT NULL DEFAULT '';\n"
/* the name of what an audit row is about, as it was then ("江苏恒太照明"),
 * so that the log reads in words */
"ALTER TABLE audit_log ADD COLUMN label TEXT NOT NULL DEFAULT '';\n"
},
{ 13, "the basis of a request's due date, so that a provisional one can be recomputed when its year's calendar is loaded",
/* due_on = calendar_due(due_from, due_months, due_workdays): the day it is
 * counted from (acceptance, escalation), the limit in months and the
 * working days after that (the limit's, plus the days paused) */
"ALTER TABLE requests ADD COLUMN due_from TEXT NOT NULL DEFAULT '';\n"
"ALTER TABLE requests ADD COLUMN due_months INTEGER NOT NULL DEFAULT 0;\n"
"ALTER TABLE requests ADD COLUMN due_workdays INTEGER NOT NULL DEFAULT 0;\n"
"CREATE INDEX requests_due_provisional ON requests (due_provisional, accept_due_provisional);\n"
},
{ 14, "joint consultations (联席会商), streets as participants (区街上下联动), development plans (一企一档)",
/* a department that is a street's office (街道办事处): its users see the
 * street's enterprises, raise and take their requests, and stand for the
 * street in meetings */
"ALTER TABLE departments ADD COLUMN street_id BIGINT REFERENCES streets(id);\n"
/* a joint meeting; level 'district' (departments) or 'district_street'
 * (departments and streets together) */
"CREATE TABLE meetings (id @ID@, title TEXT NOT NULL, held_on TEXT NOT NULL, starts_at TEXT NOT NULL DEFAULT '',\n"
"  place TEXT NOT NULL DEFAULT '', chair TEXT NOT NULL DEFAULT '',\n"
"  level TEXT NOT NULL DEFAULT 'district' CHECK (level IN ('district','district_street')),\n"
"  convener_id BIGINT REFERENCES users(id) ON DELETE SET NULL,\n"
"  status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned','held')),\n"
"  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);\n"
"CREATE INDEX meetings_held_on ON meetings (held_on);\n"
/* who takes part: a department or a street (exactly one of the two) */
"CREATE TABLE meeting_participants (meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,\n"
"  department_id BIGINT REFERENCES departments(id), street_id BIGINT REFERENCES streets(id),\n"
"  CHECK ((department_id IS NULL) <> (street_id IS NULL)));\n"
"CREATE INDEX meeting_participants_m ON meeting_participants (meeting_id);\n"
/* an agenda item: a request, an inspection finding (a request of kind
 * inspection) or a free topic; meeting_id NULL = proposed and waiting for
 * the next meeting */
"CREATE TABLE meeting_items (id @ID@, meeting_id BIGINT REFERENCES meetings(id) ON DELETE CASCADE,\n"
"  kind TEXT NOT NULL CHECK (kind IN ('request','finding','topic')), request_id BIGINT REFERENCES requests(id),\n"
"  title TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '', sort INTEGER NOT NULL DEFAULT 0,\n"
"  proposed_by BIGINT REFERENCES users(id) ON DELETE SET NULL, proposed_at BIGINT NOT NULL,\n"
"  decision TEXT NOT NULL DEFAULT '', lead_department_id BIGINT REFERENCES departments(id), decided_at BIGINT);\n"
"CREATE INDEX meeting_items_m ON meeting_items (meeting_id, sort);\n"
"CREATE INDEX meeting_items_req ON meeting_items (request_id);\n"
/* the co-operating departments and streets of a decided item */
"CREATE TABLE meeting_item_partners (item_id BIGINT NOT NULL REFERENCES meeting_items(id) ON DELETE CASCADE,\n"
"  department_id BIGINT REFERENCES departments(id), street_id BIGINT REFERENCES streets(id),\n"
"  CHECK ((department_id IS NULL) <> (street_id IS NULL)));\n"
"CREATE INDEX meeting_item_partners_i ON meeting_item_partners (item_id);\n"
/* a follow-up task of a decided item, falling to a department or a street */
"CREATE TABLE meeting_tasks (id @ID@, item_id BIGINT NOT NULL REFERENCES meeting_items(id) ON DELETE CASCADE,\n"
"  title TEXT NOT NULL, department_id BIGINT REFERENCES departments(id), street_id BIGINT REFERENCES streets(id),\n"
"  due_workdays INTEGER NOT NULL DEFAULT 0, due_on TEXT NOT NULL, due_provisional INTEGER NOT NULL DEFAULT 0,\n"
"  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','done')), done_on TEXT NOT NULL DEFAULT '',\n"
"  done_note TEXT NOT NULL DEFAULT '', done_by BIGINT REFERENCES users(id) ON DELETE SET NULL,\n"
"  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,\n"
"  CHECK ((department_id IS NULL) <> (street_id IS NULL)));\n"
"CREATE INDEX meeting_tasks_item ON meeting_tasks (item_id);\n"
"CREATE INDEX meeting_tasks_dept ON meeting_tasks (department_id, status);\n"
"CREATE INDEX meeting_tasks_street ON meeting_tasks (street_id, status);\n"
/* 一企一档: what an enterprise plans, by category (named as users name
 * them: 企业上市; admins add categories) */
"CREATE TABLE plan_categories (name TEXT PRIMARY KEY, name_en TEXT NOT NULL DEFAULT '', sort INTEGER NOT NULL DEFAULT 0);\n"
"INSERT INTO plan_categories (name, name_en, sort) VALUES ('技术改造', 'Technical renovation', 1),\n"
"  ('产品升级', 'Product upgrade', 2), ('科技创新', 'Innovation', 3), ('企业上市', 'Stock listing', 4),\n"
"  ('市场拓展', 'Market expansion', 5), ('人才引进', 'Talent recruitment', 6);\n"
"CREATE TABLE enterprise_plans (id @ID@, enterprise_id BIGINT NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,\n"
"  category TEXT NOT NULL REFERENCES plan_categories(name), description TEXT NOT NULL DEFAULT '',\n"
"  horizon TEXT NOT NULL CHECK (horizon IN ('this_year','1_3_years')), year INTEGER NOT NULL,\n"
"  amount_wan BIGINT, visit_id BIGINT REFERENCES visits(id) ON DELETE SET NULL,\n"
"  created_by BIGINT REFERENCES users(id) ON DELETE SET NULL, updated_by BIGINT REFERENCES users(id) ON DELETE SET NULL,\n"
"  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);\n"
"CREATE INDEX enterprise_plans_ent ON enterprise_plans (enterprise_id);\n"
"CREATE INDEX enterprise_plans_cat ON enterprise_plans (category, enterprise_id);\n"
/* the plan categories a policy serves, a JSON array of names */
"ALTER TABLE policies ADD COLUMN plans TEXT NOT NULL DEFAULT '[]';\n"
},
{ 15, "search grams as integers in key order (issue 15)",
/* A gram is one integer (core text_grams: code points packed), the table
 * only its key (WITHOUT ROWID on SQLite); rebuilt from the names, the
 * index by enterprise made after the rows are in. */
"DROP TABLE enterprise_grams;\n"
"CREATE TABLE enterprise_grams (gram BIGINT NOT NULL, enterprise_id BIGINT NOT NULL,\n"
"  PRIMARY KEY (gram, enterprise_id))@WITHOUT_ROWID@;\n"
},
{ 16, "reminders: channels, the notification outbox and its attempts, users' notification settings (issue 13)",
/* where notices go: a WeCom or DingTalk group robot, a webhook or an
 * e-mail address, owned by exactly one of a department, a unit or a user
 * (checked in C); events: a comma list of event kinds, '' every kind */
"CREATE TABLE channels (id @ID@, kind TEXT NOT NULL CHECK (kind IN ('wecom','dingtalk','webhook','email')),\n"
"  name TEXT NOT NULL DEFAULT '', target TEXT NOT NULL, secret TEXT NOT NULL DEFAULT '',\n"
"  department_id BIGINT REFERENCES departments(id) ON DELETE CASCADE,\n"
"  unit_id BIGINT REFERENCES units(id) ON DELETE CASCADE,\n"
"  user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,\n"
"  events TEXT NOT NULL DEFAULT '', enabled INTEGER NOT NULL DEFAULT 1,\n"
"  created_by BIGINT REFERENCES users(id) ON DELETE SET NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);\n"
"CREATE INDEX channels_department ON channels (department_id);\n"
"CREATE INDEX channels_unit ON channels (unit_id);\n"
"CREATE INDEX channels_user ON channels (user_id);\n"
/* what happened, once: event_key makes an emit idempotent (a scan that
 * runs again, a retried transaction); payload is what the messages say */
"CREATE TABLE notify_events (id @ID@, event_key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,\n"
"  entity TEXT NOT NULL DEFAULT '', entity_id BIGINT, payload TEXT NOT NULL DEFAULT '{}', created_at BIGINT NOT NULL);\n"
"CREATE INDEX notify_events_created ON notify_events (created_at);\n"
/* the outbox: one row per event and destination (dest 'c:<channel>',
 * 'u:<user>' a user's own e-mail, 'e:<enterprise>' its contact e-mail);
 * kind and target are the destination's at fan-out (a channel's secret is
 * read at sending, never copied) */
"CREATE TABLE notifications (id @ID@, event_id BIGINT NOT NULL REFERENCES notify_events(id) ON DELETE CASCADE,\n"
"  dest TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL DEFAULT '',\n"
"  channel_id BIGINT REFERENCES channels(id) ON DELETE SET NULL,\n"
"  user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,\n"
"  enterprise_id BIGINT REFERENCES enterprises(id) ON DELETE CASCADE,\n"
"  lang TEXT NOT NULL DEFAULT 'zh',\n"
"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sending','sent','dead')),\n"
"  attempts INTEGER NOT NULL DEFAULT 0, next_at BIGINT NOT NULL,\n"
"  locked_by TEXT NOT NULL DEFAULT '', locked_until BIGINT NOT NULL DEFAULT 0,\n"
"  last_error TEXT NOT NULL DEFAULT '', sent_at BIGINT, created_at BIGINT NOT NULL,\n"
"  UNIQUE (event_id, dest));\n"
"CREATE INDEX notifications_due ON notifications (state, next_at);\n"
"CREATE INDEX notifications_user ON notifications (user_id);\n"
"CREATE TABLE notification_attempts (id @ID@, notification_id BIGINT NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,\n"
"  at BIGINT NOT NULL, instance TEXT NOT NULL DEFAULT '', ok INTEGER NOT NULL, http_status INTEGER NOT NULL DEFAULT 0,\n"
"  error TEXT NOT NULL DEFAULT '', ms INTEGER NOT NULL DEFAULT 0);\n"
"CREATE INDEX notification_attempts_n ON notification_attempts (notification_id, at);\n"
/* a user's choices: the event kinds wanted ('' every kind), quiet hours
 * ('HH:MM' zone time, '' none), an e-mail address, the language */
"CREATE TABLE notify_prefs (user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,\n"
"  events TEXT NOT NULL DEFAULT '', quiet_from TEXT NOT NULL DEFAULT '', quiet_to TEXT NOT NULL DEFAULT '',\n"
"  email TEXT NOT NULL DEFAULT '', lang TEXT NOT NULL DEFAULT 'zh' CHECK (lang IN ('zh','en')),\n"
"  updated_at BIGINT NOT NULL);\n"
/* an enterprise's e-mail for its notices (it also reads them in its inbox) */
"ALTER TABLE enterprises ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';\n"
},
{ 17, "the name search index as posting lists per gram and block of ids (issue 15)",
/* store/grams.c: one row per gram and block of 65,536 enterprise ids, its
 * enterprises a list of 3-character codes; rebuilt from the names */
"DROP TABLE enterprise_grams;\n"
"CREATE TABLE enterprise_postings (gram BIGINT NOT NULL, block BIGINT NOT NULL, n INTEGER NOT NULL,\n"
"  ids TEXT NOT NULL, PRIMARY KEY (gram, block))@WITHOUT_ROWID@;\n"
},
{ 18, "PostgreSQL: the references of facts checked once per statement, not once per row (issue 15)",
/* SQLite keeps its foreign keys; PostgreSQL's are replaced by facts_refs_pg_sql */
"SELECT 1"
},
{ 19, "PostgreSQL: the references of enterprises (street, officer, department) checked once per statement (issue 15)",
/* SQLite keeps its foreign keys; PostgreSQL's are replaced by enterprises_refs_pg_sql */
"SELECT 1"
},
{ 20, "SQLite: the unique credit code of enterprises as an index of its own, which a load can make after its rows (issue 15)",
/* PostgreSQL's is a constraint already; SQLite's table is rebuilt by enterprises_unique_sqlite_sql */
"SELECT 1"
},
};

/*
 * Migration 18, PostgreSQL only.  A foreign key is checked by a trigger
 * once per row: seven tenths of loading 10^6 facts (BENCHMARKS.md, "What
 * the tables' own loads are made of").  These triggers keep the same rules
 * with one query per statement over its transition table:
 *   - a fact's enterprise and fact definition must exist (insert, update);
 *   - deleting an enterprise deletes its facts (ON DELETE CASCADE);
 *   - an enterprise's id, or a definition's name, that facts refer to
 *     cannot change, and such a definition cannot be deleted (NO ACTION).
 * Concurrency is that of a foreign key: the check locks the referenced
 * rows FOR KEY SHARE (in key order, so two imports cannot deadlock), so a
 * delete or key change waits for the inserting transaction and then sees
 * its rows; one that went first leaves the check nothing to lock, and the
 * check fails.  The one gap: TRUNCATE of fact_defs alone is not refused
 * (nothing does it; zoneops' own restore truncates every table at once).
 */
static const char facts_refs_pg_sql[] =
"ALTER TABLE facts DROP CONSTRAINT facts_enterprise_id_fkey, DROP CONSTRAINT facts_fact_fkey;\n"
"CREATE FUNCTION facts_refs_check() RETURNS trigger LANGUAGE plpgsql AS $$\n"
"BEGIN\n"
"  PERFORM 1 FROM enterprises e WHERE e.id IN (SELECT enterprise_id FROM new_rows)\n"
"    ORDER BY e.id FOR KEY SHARE OF e;\n"
"  PERFORM 1 FROM fact_defs d WHERE d.name IN (SELECT fact FROM new_rows)\n"
"    ORDER BY d.name FOR KEY SHARE OF d;\n"
"  IF EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS\n"
"      (SELECT 1 FROM enterprises e WHERE e.id = n.enterprise_id)) THEN\n"
"    RAISE EXCEPTION 'facts: the enterprise is not in enterprises'\n"
"      USING ERRCODE = 'foreign_key_violation', TABLE = 'facts', COLUMN = 'enterprise_id';\n"
"  END IF;\n"
"  IF EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS\n"
"      (SELECT 1 FROM fact_defs d WHERE d.name = n.fact)) THEN\n"
"    RAISE EXCEPTION 'facts: the fact is not in fact_defs'\n"
"      USING ERRCODE = 'foreign_key_violation', TABLE = 'facts', COLUMN = 'fact';\n"
"  END IF;\n"
"  RETURN NULL;\n"
"END $$;\n"
"CREATE TRIGGER facts_refs_insert AFTER INSERT ON facts REFERENCING NEW TABLE AS new_rows\n"
"  FOR EACH STATEMENT EXECUTE FUNCTION facts_refs_check();\n"
"CREATE TRIGGER facts_refs_update AFTER UPDATE ON facts REFERENCING NEW TABLE AS new_rows\n"
"  FOR EACH STATEMENT EXECUTE FUNCTION facts_refs_check();\n"
"CREATE FUNCTION facts_enterprises_deleted() RETURNS trigger LANGUAGE plpgsql AS $$\n"
"BEGIN\n"
"  DELETE FROM facts f USING old_rows o WHERE f.enterprise_id = o.id;\n"
"  RETURN NULL;\n"
"END $$;\n"
"CREATE TRIGGER facts_cascade AFTER DELETE ON enterprises REFERENCING OLD TABLE AS old_rows\n"
"  FOR EACH STATEMENT EXECUTE FUNCTION facts_enterprises_deleted();\n"
"CREATE FUNCTION facts_enterprise_kept() RETURNS trigger LANGUAGE plpgsql AS $$\n"
"BEGIN\n"
"  IF EXISTS (SELECT 1 FROM facts WHERE enterprise_id = OLD.id) THEN\n"
"    RAISE EXCEPTION 'enterprises: facts refer to enterprise %', OLD.id\n"
"      USING ERRCODE = 'foreign_key_violation', TABLE = 'enterprises', COLUMN = 'id';\n"
"  END IF;\n"
"  RETURN NULL;\n"
"END $$;\n"
"CREATE TRIGGER facts_enterprise_id AFTER UPDATE OF id ON enterprises\n"
"  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION facts_enterprise_kept();\n"
"CREATE FUNCTION facts_def_kept() RETURNS trigger LANGUAGE plpgsql AS $$\n"
"BEGIN\n"
"  IF EXISTS (SELECT 1 FROM facts WHERE fact = OLD.name) THEN\n"
"    RAISE EXCEPTION 'fact_defs: facts refer to %', OLD.name\n"
"      USING ERRCODE = 'foreign_key_violation', TABLE = 'fact_defs', COLUMN = 'name';\n"
"  END IF;\n"
"  RETURN NULL;\n"
"END $$;\n"
"CREATE TRIGGER facts_def_deleted AFTER DELETE ON fact_defs\n"
"  FOR EACH ROW EXECUTE FUNCTION facts_def_kept();\n"
"CREATE TRIGGER facts_def_name AFTER UPDATE OF name ON fact_defs\n"
"  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION facts_def_kept();\n";

/*
 * Migration 19, PostgreSQL only: the same for the three references of
 * enterprises.  The street's foreign key alone was four tenths of
 * PostgreSQL's own load of enterprises (BENCHMARKS.md, "The references of
 * enterprises once per statement").  The rules kept:
 *   - an enterprise's street, officer and department, when not NULL, must
 *     exist (insert, update);
 *   - a street or department enterprises refer to cannot be deleted nor
 *     its id changed (NO ACTION); nor a user's id changed;
 *   - deleting a user clears the officer of its enterprises (ON DELETE
 *     SET NULL).
 * Locks and the TRUNCATE gap as for facts above.
 */
static const char enterprises_refs_pg_sql[] =
"ALTER TABLE enterprises DROP CONSTRAINT enterprises_street_id_fkey,\n"
"  DROP CONSTRAINT enterprises_officer_id_fkey, DROP CONSTRAINT enterprises_department_id_fkey;\n"
"CREATE FUNCTION enterprises_refs_check() RETURNS trigger LANGUAGE plpgsql AS $$\n"
"BEGIN\n"
"  PERFORM 1 FROM streets s WHERE s.id IN (SELECT street_id FROM new_rows)\n"
"    ORDER BY s.id FOR KEY SHARE OF s;\n"
"  PERFORM 1 FROM users u WHERE u.id IN (SELECT officer_id FROM new_rows)\n"
"    ORDER BY u.id FOR KEY SHARE OF u;\n"
"  PERFORM 1 FROM departments d WHERE d.id IN (SELECT department_id FROM new_rows)\n"
"    ORDER BY d.id FOR KEY SHARE OF d;\n"
"  IF EXISTS (SELECT 1 FROM new_rows n WHERE n.street_id IS NOT NULL AND NOT EXISTS\n"
"      (SELECT 1 FROM streets s WHERE s.id = n.street_id)) THEN\n"
"    RAISE EXCEPTION 'enterprises: the street is not in streets'\n"
"      USING ERRCODE = 'foreign_key_violation', TABLE = 'enterprises', COLUMN = 'street_id';\n"
"  END IF;\n"
"  IF EXISTS (SELECT 1 FROM new_rows n WHERE n.officer_id IS NOT NULL AND NOT EXISTS\n"
"      (SELECT 1 FROM users u WHERE u.id = n.officer_id)) THEN\n"
"    RAISE EXCEPTION 'enterprises: the officer is not in users'\n"
"      USING ERRCODE = 'foreign_key_violation', TABLE = 'enterprises', COLUMN = 'officer_id';\n"
"  END IF;\n"
"  IF EXISTS (SELECT 1 FROM new_rows n WHERE n.department_id IS NOT NULL AND NOT EXISTS\n"
"      (SELECT 1 FROM departments d WHERE d.id = n.department_id)) THEN\n"
"    RAISE EXCEPTION 'enterprises: the department is not in departments'\n"
"      USING ERRCODE = 'foreign_key_violation', TABLE = 'enterprises', COLUMN = 'department_id';\n"
"  END IF;\n"
"  RETURN NULL;\n"
"END $$;\n"
"CREATE TRIGGER enterprises_refs_insert AFTER INSERT ON enterprises REFERENCING NEW TABLE AS new_rows\n"
"  FOR EACH STATEMENT EXECUTE FUNCTION enterprises_refs_check();\n"
"CREATE TRIGGER enterprises_refs_update AFTER UPDATE ON enterprises REFERENCING NEW TABLE AS new_rows\n"
"  FOR EACH STATEMENT EXECUTE FUNCTION enterprises_refs_check();\n"
"CREATE FUNCTION enterprises_street_kept() RETURNS trigger LANGUAGE plpgsql AS $$\n"
"BEGIN\n"
"  IF EXISTS (SELECT 1 FROM enterprises WHERE street_id = OLD.id) THEN\n"
"    RAISE EXCEPTION 'streets: enterprises refer to street %', OLD.id\n"
"      USING ERRCODE = 'foreign_key_violation', TABLE = 'streets', COLUMN = 'id';\n"
"  END IF;\n"
"  RETURN NULL;\n"
"END $$;\n"
"CREATE TRIGGER enterprises_street_deleted AFTER DELETE ON streets\n"
"  FOR EACH ROW EXECUTE FUNCTION enterprises_street_kept();\n"
"CREATE TRIGGER enterprises_street_id AFTER UPDATE OF id ON streets\n"
"  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION enterprises_street_kept();\n"
"CREATE FUNCTION enterprises_department_kept() RETURNS trigger LANGUAGE plpgsql AS $$\n"
"BEGIN\n"
"  IF EXISTS (SELECT 1 FROM enterprises WHERE department_id = OLD.id) THEN\n"
"    RAISE EXCEPTION 'departments: enterprises refer to department %', OLD.id\n"
"      USING ERRCODE = 'foreign_key_violation', TABLE = 'departments', COLUMN = 'id';\n"
"  END IF;\n"
"  RETURN NULL;\n"
"END $$;\n"
"CREATE TRIGGER enterprises_department_deleted AFTER DELETE ON departments\n"
"  FOR EACH ROW EXECUTE FUNCTION enterprises_department_kept();\n"
"CREATE TRIGGER enterprises_department_id AFTER UPDATE OF id ON departments\n"
"  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION enterprises_department_kept();\n"
"CREATE FUNCTION enterprises_officer_deleted() RETURNS trigger LANGUAGE plpgsql AS $$\n"
"BEGIN\n"
"  UPDATE enterprises SET officer_id = NULL WHERE officer_id = OLD.id;\n"
"  RETURN NULL;\n"
"END $$;\n"
"CREATE TRIGGER enterprises_officer_set_null AFTER DELETE ON users\n"
"  FOR EACH ROW EXECUTE FUNCTION enterprises_officer_deleted();\n"
"CREATE FUNCTION enterprises_officer_kept() RETURNS trigger LANGUAGE plpgsql AS $$\n"
"BEGIN\n"
"  IF EXISTS (SELECT 1 FROM enterprises WHERE officer_id = OLD.id) THEN\n"
"    RAISE EXCEPTION 'users: enterprises refer to officer %', OLD.id\n"
"      USING ERRCODE = 'foreign_key_violation', TABLE = 'users', COLUMN = 'id';\n"
"  END IF;\n"
"  RETURN NULL;\n"
"END $$;\n"
"CREATE TRIGGER enterprises_officer_id AFTER UPDATE OF id ON users\n"
"  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION enterprises_officer_kept();\n";

/* Migration 20, SQLite: the credit code's UNIQUE, written in CREATE TABLE,
 * can be neither dropped nor made after a load; as an index of its own
 * (enterprises_credit_code_key, PostgreSQL's name) it can
 * (db_indexes_defer).  SQLite changes a table's constraints only by making
 * it again: SQLite's steps for that ("Making Other Kinds Of Table Schema
 * Changes", lang_altertable.html), foreign keys off (fk_off: a DROP TABLE
 * would otherwise delete the rows and run the children's ON DELETE).  The
 * columns in the order the migrations before gave them; the ids kept, and
 * the AUTOINCREMENT's high-water mark: sqlite_sequence's row moved to the
 * new table before the old one is dropped (which would delete it).  No
 * trigger or view names enterprises. */
static const char enterprises_unique_sqlite_sql[] =
"CREATE TABLE enterprises_new (id INTEGER PRIMARY KEY AUTOINCREMENT, credit_code TEXT NOT NULL, name TEXT NOT NULL,\n"
"  street_id BIGINT REFERENCES streets(id), industry TEXT NOT NULL DEFAULT '',\n"
"  is_key INTEGER NOT NULL DEFAULT 0, officer_id BIGINT REFERENCES users(id) ON DELETE SET NULL,\n"
"  department_id BIGINT REFERENCES departments(id),\n"
"  contact_name TEXT NOT NULL DEFAULT '', contact_phone TEXT NOT NULL DEFAULT '',\n"
"  employees INTEGER NOT NULL DEFAULT 0, registered_capital_wan BIGINT NOT NULL DEFAULT 0,\n"
"  land_mu DOUBLE PRECISION NOT NULL DEFAULT 0, founded_on TEXT NOT NULL DEFAULT '',\n"
"  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, credit_code_note TEXT NOT NULL DEFAULT '',\n"
"  contact_email TEXT NOT NULL DEFAULT '');\n"
"INSERT INTO enterprises_new (id, credit_code, name, street_id, industry, is_key, officer_id, department_id,\n"
"  contact_name, contact_phone, employees, registered_capital_wan, land_mu, founded_on, created_at, updated_at,\n"
"  credit_code_note, contact_email)\n"
"  SELECT id, credit_code, name, street_id, industry, is_key, officer_id, department_id,\n"
"  contact_name, contact_phone, employees, registered_capital_wan, land_mu, founded_on, created_at, updated_at,\n"
"  credit_code_note, contact_email FROM enterprises ORDER BY id;\n"
"DELETE FROM sqlite_sequence WHERE name = 'enterprises_new';\n"
"UPDATE sqlite_sequence SET name = 'enterprises_new' WHERE name = 'enterprises';\n"
"DROP TABLE enterprises;\n"
"ALTER TABLE enterprises_new RENAME TO enterprises;\n"
"CREATE UNIQUE INDEX enterprises_credit_code_key ON enterprises (credit_code);\n"
"CREATE INDEX enterprises_street ON enterprises (street_id);\n"
"CREATE INDEX enterprises_officer ON enterprises (officer_id);\n"
"CREATE INDEX enterprises_industry ON enterprises (industry);\n";

static const struct migration_fill fills[] = {
	{ 17, 0, NULL, db_grams_rebuild, "SELECT 1", 0 },
	{ 18, DB_POSTGRES, facts_refs_pg_sql, NULL, NULL, 0 },
	{ 19, DB_POSTGRES, enterprises_refs_pg_sql, NULL, NULL, 0 },
	{ 20, DB_SQLITE, enterprises_unique_sqlite_sql, NULL, NULL, 1 },
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

static char *expand(const char *sql, enum db_kind kind)
{
	const char *id = kind == DB_SQLITE ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY";
	const char *blob = kind == DB_SQLITE ? "BLOB" : "BYTEA";
	size_t cap = strlen(sql) * 2 + 64, j = 0;
	char *out = malloc(cap);
	if (out == NULL)
		return NULL;
	for (const char *p = sql; *p;) {
		const char *rep = NULL;
		size_t skip = 0;
		if (strncmp(p, "@ID@", 4) == 0)
			rep = id, skip = 4;
		else if (strncmp(p, "@WITHOUT_ROWID@", 15) == 0)
			rep = kind == DB_SQLITE ? " WITHOUT ROWID" : "", skip = 15;
		else if (strncmp(p, "@BLOB@", 6) == 0)
			rep = blob, skip = 6;
		if (rep) {
			size_t n = strlen(rep);
			if (j + n + 1 >= cap) {
				cap = (cap + n) * 2;
				char *t = realloc(out, cap);
				if (t == NULL) {
					free(out);
					return NULL;
				}
				out = t;
			}
			memcpy(out + j, rep, n);
			j += n;
			p += skip;
		} else {
			if (j + 2 >= cap) {
				cap *= 2;
				char *t = realloc(out, cap);
				if (t == NULL) {
					free(out);
					return NULL;
				}
				out = t;
			}
			out[j++] = *p++;
		}
	}
	out[j] = '\0';
	return out;
}

int db_schema_version(db_t *db)
{
	return (int)db_int1(db, "SELECT max(version) FROM schema_migrations", 0, 0, NULL);
}

static char *errdup(db_t *db, const char *what)
{
	size_t n = strlen(what) + strlen(db_errmsg(db)) + 4;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s: %s", what, db_errmsg(db));
	return s;
}

/* The fill of migration version, or NULL. */
static const struct migration_fill *fill_of(int version)
{
	for (size_t k = 0; k < sizeof fills / sizeof fills[0]; k++)
		if (fills[k].version == version)
			return &fills[k];
	return NULL;
}

int db_migrate(db_t *db, char **err)
{
	return db_migrate_upto(db, INT_MAX, err);
}

int db_migrate_upto(db_t *db, int upto, char **err)
{
	/* Under the migration lock, so that instances starting together on an
	 * empty PostgreSQL database do not race to create the table. */
	if (db_begin(db) != DB_OK || db_migration_lock(db) != DB_OK ||
	    db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
	                " name TEXT NOT NULL, applied_at BIGINT NOT NULL)") != DB_OK || db_commit(db) != DB_OK) {
		if (err)
			*err = errdup(db, "create schema_migrations");
		db_rollback(db);
		return -1;
	}
	int applied = 0;
	for (int i = 0; i < NMIGRATIONS && migrations[i].version <= upto; i++) {
		const struct migration *m = &migrations[i];
		const struct migration_fill *f = fill_of(m->version);
		/* a no-op inside a transaction: set before it, set back after it */
		int fk_off = f && f->fk_off && db_kind(db) == DB_SQLITE;
		if (fk_off && db_exec(db, "PRAGMA foreign_keys = OFF") != DB_OK) {
			if (err)
				*err = errdup(db, "foreign keys off");
			return -1;
		}
		if (db_begin(db) != DB_OK || db_migration_lock(db) != DB_OK) {
			if (err)
				*err = errdup(db, "begin migration");
			db_rollback(db);
			if (fk_off)
				db_exec(db, "PRAGMA foreign_keys = ON");
			return -1;
		}
		char v[16];
		snprintf(v, sizeof v, "%d", m->version);
		const char *p[1] = { v };
		if (db_int1(db, "SELECT count(*) FROM schema_migrations WHERE version = CAST($1 AS INTEGER)", 0, 1, p) > 0) {
			db_rollback(db);
			if (fk_off && db_exec(db, "PRAGMA foreign_keys = ON") != DB_OK) {
				if (err)
					*err = errdup(db, "foreign keys on");
				return -1;
			}
			continue;
		}
		char *sql = expand(m->sql, db_kind(db));
		int rc = sql ? db_exec(db, sql) : DB_ERR;
		free(sql);
		if (rc == DB_OK && f && f->only_sql && f->only == db_kind(db))
			rc = db_exec(db, f->only_sql);
		if (rc == DB_OK && f && f->fill && (rc = f->fill(db)) == DB_OK)
			rc = db_exec(db, f->sql_after);
		/* what the foreign keys would have refused: nothing may be left */
		if (rc == DB_OK && fk_off && db_int1(db, "SELECT count(*) FROM pragma_foreign_key_check", -1, 0, NULL) != 0)
			rc = DB_CONSTRAINT;
		if (rc == DB_OK) {
			db_stmt_t *st = db_prepare(db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)");
			if (st) {
				db_bind_int(st, 1, m->version);
				db_bind_text(st, 2, m->name);
				db_bind_int(st, 3, now_sec());
				rc = db_step(st) == DB_DONE ? DB_OK : DB_ERR;
				db_done(st);
			} else {
				rc = DB_ERR;
			}
		}
		if (rc != DB_OK || db_commit(db) != DB_OK) {
			if (err) {
				char what[64];
				snprintf(what, sizeof what, "migration %d", m->version);
				*err = errdup(db, what);
			}
			db_rollback(db);
			if (fk_off)
				db_exec(db, "PRAGMA foreign_keys = ON");
			return -1;
		}
		if (fk_off && db_exec(db, "PRAGMA foreign_keys = ON") != DB_OK) {
			if (err)
				*err = errdup(db, "foreign keys on");
			return -1;
		}
		applied++;
	}
	return applied;
}

/* ---- indexes made after a load (db_indexes_defer) ---- */

/* The indexes a load into an empty table may drop and make again once its
 * rows are in, as the migrations made them (test_enterprise_import compares
 * the catalog before and after).  The key stays.  SQLite's unique credit
 * code is an index of its own since migration 20.  (facts_by_fact was
 * tried and not kept: the facts arrive nearly in its order already,
 * BENCHMARKS.md.) */
static const struct deferred_index {
	const char *table;
	enum db_kind only;          /* 0: both stores */
	const char *drop, *make;
} deferred[] = {
	{ "enterprises", DB_POSTGRES, "ALTER TABLE enterprises DROP CONSTRAINT enterprises_credit_code_key",
	  "ALTER TABLE enterprises ADD CONSTRAINT enterprises_credit_code_key UNIQUE (credit_code)" },
	{ "enterprises", DB_SQLITE, "DROP INDEX enterprises_credit_code_key",
	  "CREATE UNIQUE INDEX enterprises_credit_code_key ON enterprises (credit_code)" },
	{ "enterprises", 0, "DROP INDEX enterprises_street", "CREATE INDEX enterprises_street ON enterprises (street_id)" },
	{ "enterprises", 0, "DROP INDEX enterprises_officer",
	  "CREATE INDEX enterprises_officer ON enterprises (officer_id)" },
	{ "enterprises", 0, "DROP INDEX enterprises_industry",
	  "CREATE INDEX enterprises_industry ON enterprises (industry)" },
};

#define NDEFERRED (sizeof deferred / sizeof deferred[0])

/* The tables above: how each is locked (PostgreSQL) and found empty. */
static const struct deferred_table {
	const char *table, *lock, *any;
} deferred_tables[] = {
	{ "enterprises", "LOCK TABLE enterprises IN ACCESS EXCLUSIVE MODE",
	  "SELECT count(*) FROM (SELECT 1 FROM enterprises LIMIT 1) t" },
};

static int deferred_run(db_t *db, const char *table, int make)
{
	int rc = DB_OK;
	for (size_t i = 0; i < NDEFERRED && rc == DB_OK; i++)
		if (strcmp(deferred[i].table, table) == 0 && (deferred[i].only == 0 || deferred[i].only == db_kind(db)))
			rc = db_exec(db, make ? deferred[i].make : deferred[i].drop);
	return rc;
}

int db_indexes_defer(db_t *db, const char *table, int *deferred_now)
{
	*deferred_now = 0;
	const struct deferred_table *t = NULL;
	for (size_t i = 0; i < sizeof deferred_tables / sizeof deferred_tables[0]; i++)
		if (strcmp(deferred_tables[i].table, table) == 0)
			t = &deferred_tables[i];
	if (t == NULL || !db_in_tx(db))
		return DB_ERR;   /* outside a transaction, a commit would keep them dropped */
	/* PostgreSQL: the lock every drop takes, once, before the table is
	 * found empty -- no one else can write it afterwards.  SQLite: the
	 * transaction holds the write lock already. */
	int rc = db_kind(db) == DB_POSTGRES ? db_exec(db, t->lock) : DB_OK;
	if (rc != DB_OK)
		return rc;
	int64_t any = db_int1(db, t->any, -1, 0, NULL);
	if (any != 0)
		return any < 0 ? DB_ERR : DB_OK;   /* rows came meanwhile: their unique index stays */
	if ((rc = deferred_run(db, table, 0)) == DB_OK)
		*deferred_now = 1;
	return rc;
}

int db_indexes_make(db_t *db, const char *table)
{
	return deferred_run(db, table, 1);
}
