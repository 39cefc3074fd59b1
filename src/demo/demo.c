/*
 * demo.c -- the demo data set.  (The credit code check is in
 * core/creditcode.c.)
 *
 * Everything is generated from fixed tables and a fixed-seed xorshift64*
 * generator, so two runs produce the same rows (only the admin password,
 * drawn from libsodium, and the created_at/updated_at timestamps differ).
 * Every row is written by the function the API, the CLI or the importer
 * writes it with (user_create, setting_set, unit_create, street_create,
 * enterprise_upsert, ind_value_insert, ...), so that it passes the same
 * checks and the tables have one writer each.
 * The numbers of the zone for January-October 2021 reproduce the article's
 * report ("1-10月，…完成一般公共预算收入61.8亿元，增长12.8%，增幅列全市第三…");
 * the other districts are chosen so that the zone takes the ranks the
 * article gives (see the table regions[] below).
 */
#include "demo/demo.h"
#include "demo/demo_service.h"
#include "demo/demo_facts.h"
#include "demo/demo_land.h"
#include "demo/demo_plans.h"
#include "demo/demo_policy.h"
#include "demo/demo_race.h"
#include "demo/demo_land_eval.h"
#include "demo/demo_meetings.h"
#include "demo/demo_notify.h"

#include "admin/admin.h"
#include "auth/auth.h"
#include "core/core.h"
#include "indicators/indicators.h"
#include "race/race_util.h"
#include "service/service.h"

#include <math.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- deterministic generator ---- */

struct person {
	char name[16];
};

#define NUNITS 6
#define NRECRUITERS 5
#define NOFFICERS 56
#define NENTERPRISES 300
#define NKEY 120
#define MAXPEOPLE 128
#define NPROJECTS 63

struct seed {
	db_t *db;
	uint64_t rng;
	int64_t now;
	int failed;
	char msg[640];
	int64_t unit_id[NUNITS];
	int64_t street_id[8];
	int64_t dept_id[16];
	int64_t office_id[8];            /* the streets' offices (街道办事处), as STREETS */
	int64_t region_id[8];
	int64_t rec_id[NUNITS][NRECRUITERS];
	int64_t officer_id[NOFFICERS];
	int64_t ent_id[NENTERPRISES];
	char ent_name[NENTERPRISES][112];
	char ent_code[NENTERPRISES][19];
	char ent_contact[NENTERPRISES][16];
	int nent;
	arena_t *a;                     /* enterprise_validate's strings */
	struct demo_project projects[NPROJECTS];
	struct person people[MAXPEOPLE];
	int npeople;
	struct ent_bulk ents;           /* the enterprises, written at once (seed_enterprises) */
	struct ivalue *ivals;           /* the indicator values, written at once */
	size_t nivals, civals;
};

static uint64_t rnd(struct seed *s)
{
	uint64_t x = s->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform integer in [lo, hi]. */
static int rnd_int(struct seed *s, int lo, int hi)
{
	return lo + (int)(rnd(s) % (uint64_t)(hi - lo + 1));
}

/* Uniform double in [0, 1). */
static double rnd_unit(struct seed *s)
{
	return (double)(rnd(s) >> 11) * (1.0 / 9007199254740992.0);
}

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int fail(struct seed *s, const char *what)
{
	if (!s->failed) {
		snprintf(s->msg, sizeof s->msg, "demo seed: %s: %s", what, db_errmsg(s->db));
		s->failed = 1;
	}
	return -1;
}

/* A domain function refused what the demo wrote: its message. */
static int fail_err(struct seed *s, const char *what, const err_t *e)
{
	if (!s->failed) {
		snprintf(s->msg, sizeof s->msg, "demo seed: %s: %s%s%s", what, e->message, e->field ? " -- " : "",
		         e->field ? e->field : "");
		s->failed = 1;
	}
	return -1;
}

/* ---- tables ---- */

static const char *const SETTINGS[][2] = {
	{ "zone_name", "南通经济技术开发区" },
	{ "zone_name_en", "Nantong Economic & Technological Development Zone" },
	{ "city_name", "南通市" },
};

static const struct {
	const char *code, *name, *name_en, *kind, *leader;
} UNITS[NUNITS] = {
	{ "ib", "招商局", "Investment Attraction Bureau", "bureau", "陆海峰" },
	{ "ipb", "投资促进局", "Investment Promotion Bureau", "bureau", "顾建平" },
	{ "sdb", "服务业发展局", "Service Industry Development Bureau", "bureau", "钱晓燕" },
	{ "ftz", "综保区管理局招商部", "Investment Department, Comprehensive Bonded Zone Administration", "bureau", "施卫东" },
	{ "iic", "工业招商公司", "Industrial Investment Attraction Company", "company", "季振华" },
	{ "sic", "服务业招商公司", "Service Industry Investment Attraction Company", "company", "曹慧敏" },
};

static const char *const STREETS[][2] = {
	{ "竹行街道", "Zhuhang Street" },
	{ "新开街道", "Xinkai Street" },
	{ "中兴街道", "Zhongxing Street" },
	{ "小海街道", "Xiaohai Street" },
	{ "江海街道", "Jianghai Street" },
	{ "能达街道", "Nengda Street" },
};
/* each street's office (街道办事处, 区街上下联动): a department with the
 * street's street_id, its account dept.street1 … dept.street6 in this order */
static const char *const OFFICES[][2] = {
	{ "竹行街道办事处", "Zhuhang Street Office" },
	{ "新开街道办事处", "Xinkai Street Office" },
	{ "中兴街道办事处", "Zhongxing Street Office" },
	{ "小海街道办事处", "Xiaohai Street Office" },
	{ "江海街道办事处", "Jianghai Street Office" },
	{ "能达街道办事处", "Nengda Street Office" },
};
/* share of the generated enterprises per street, in percent */
static const int STREET_WEIGHTS[] = { 25, 20, 20, 15, 10, 10 };
enum { ST_ZHUHANG, ST_XINKAI, ST_ZHONGXING, ST_XIAOHAI };

static const struct {
	const char *code, *name, *name_en, *level;
} DEPTS[] = {
	{ "qfzx", "企业发展服务中心", "Enterprise Development Service Center", "district" },
	{ "xzsp", "行政审批局", "Administrative Approval Bureau", "district" },
	{ "jfj", "经济发展局", "Economic Development Bureau", "district" },
	{ "czj", "财政局", "Finance Bureau", "district" },
	{ "zrgh", "自然资源和规划分局", "Natural Resources and Planning Branch", "district" },
	{ "rsj", "人力资源和社会保障局", "Human Resources and Social Security Bureau", "district" },
	{ "sysj", "社会事业局", "Social Affairs Bureau (Education)", "district" },
	{ "sthj", "生态环境分局", "Ecology and Environment Branch", "district" },
	{ "jsj", "建设局", "Construction Bureau", "district" },
	{ "tjj", "统计局", "Statistics Bureau", "district" },
	{ "scjg", "市场监督管理局", "Market Supervision Administration", "district" },
	{ "hg", "南通海关", "Nantong Customs", "city" },
	{ "sswt", "江苏省商务厅", "Department of Commerce of Jiangsu Province", "province" },
};
#define NDISTRICT_DEPTS 11

static const char *const SURNAMES[] = {
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "朱", "胡", "郭", "何",
	"高", "林", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "曹", "彭", "董", "袁", "潘", "蒋",
	"蔡", "杜", "叶", "程", "苏", "魏", "吕", "丁", "沈", "姚", "陆", "顾", "施", "季", "缪", "瞿",
	"钱", "范", "金", "严", "倪", "邵", "成", "葛", "冒", "卞", "汤", "戴", "秦", "姜", "薛", "储",
};
static const char *const GIVEN[] = {
	"建华", "国强", "志刚", "海燕", "丽娟", "晓东", "卫东", "红梅", "文杰", "建军", "春华", "永明",
	"晓明", "秀英", "玉兰", "伟", "静", "敏", "磊", "洋", "勇", "军", "杰", "娟", "涛", "明", "超",
	"霞", "平", "刚", "鹏", "辉", "丹", "萍", "鑫", "斌", "宇", "浩", "凯", "健", "俊", "帆", "雪",
	"琳", "晨", "欣怡", "子涵", "思远", "一鸣", "天宇", "雨婷", "佳怡", "志强", "海峰", "立新",
	"建平", "学军", "亚军", "振华", "卫国", "新民", "晓燕", "美玲", "文静", "慧敏", "婷婷", "梦洁",
	"嘉诚", "瑞祥", "宏伟", "家豪", "金林", "志华", "雅琴", "爱民", "红霞", "锦华", "晓峰", "正阳",
};

/* GB/T 4754-2017 divisions of the generated enterprises. */
static const struct {
	const char *code;
	int weight, manufacturing;
	const char *phrase[4];
} INDUSTRIES[] = {
	{ "C38", 14, 1, { "电气", "照明科技", "电器", "新能源科技" } },
	{ "C39", 12, 1, { "电子", "微电子", "光电科技", "半导体科技" } },
	{ "C27", 8, 1, { "生物医药", "药业", "医药科技", "生物科技" } },
	{ "C26", 8, 1, { "化工", "新材料科技", "精细化工", "化学" } },
	{ "C34", 12, 1, { "精密机械", "机械", "传动设备", "动力设备" } },
	{ "C35", 7, 1, { "智能装备", "机电设备", "船舶设备", "环保设备" } },
	{ "C36", 5, 1, { "汽车零部件", "汽车部件", NULL, NULL } },
	{ "C33", 5, 1, { "金属制品", "精密五金", "钢结构", NULL } },
	{ "C29", 5, 1, { "塑业", "高分子材料", "橡塑制品", NULL } },
	{ "C17", 4, 1, { "纺织", "家纺", "纺织科技", NULL } },
	{ "I65", 7, 0, { "信息技术", "软件科技", "数据科技", "网络科技" } },
	{ "M73", 3, 0, { "工业技术研究院", "新材料研究院", NULL, NULL } },
	{ "M74", 3, 0, { "检测技术", "工程设计", "检验认证", NULL } },
	{ "F51", 5, 0, { "贸易", "国际贸易", "供应链管理", "进出口" } },
	{ "G59", 3, 0, { "仓储物流", "物流", NULL, NULL } },
	{ "L72", 3, 0, { "企业管理咨询", "人力资源服务", "商务咨询", NULL } },
};

/* Trade names (字号) of the generated enterprises. */
static const char *const TRADE_NAMES[] = {
	"嘉禾", "恒信", "瑞丰", "鼎盛", "宏达", "天成", "海汇", "通达", "兴业", "凯瑞", "博远", "正和",
	"富源", "永盛", "鑫泰", "东升", "盛和", "泰和", "安捷", "精工", "远航", "新宇", "星辰", "联创",
	"卓越", "启航", "海容", "德润", "华邦", "百川", "裕隆", "和信", "九鼎", "锦程", "宝利", "睿达",
	"恒通", "康源", "嘉泰", "鸿运", "亿丰", "通润", "华灿", "瀚海", "金禾", "汇能", "普瑞", "诺康",
	"维德", "科瑞", "奥新", "联泰", "佳宝", "宏润", "江润", "通舟", "崇盛", "紫琅", "狼山", "濠河",
	"江瀚", "海晟", "苏通", "通盛", "恒昌", "骏驰", "昊天", "乾元", "坤泰", "同创", "众合", "凯信",
	"长荣", "永鑫", "金桥", "祥瑞", "祥和", "瑞德", "锐思", "明德", "鼎新", "至诚", "恒远", "丰华",
	"泓泰", "润禾", "翔宇", "腾飞", "朗润", "海纳", "智远", "华晟", "晶瑞", "芯源", "润科", "辰星",
	"宁通", "沃德", "纳百", "新锐",
};

/* The enterprises the article names. */
enum { ENT_HENGTAI, ENT_LANGGU, ENT_XINGYUAN, ENT_SHENGSI, NNAMED };
static const struct {
	const char *name, *industry, *contact, *founded;
	int street, employees, capital_wan;
	double land_mu;
} NAMED[NNAMED] = {
	{ "江苏恒太照明股份有限公司", "C38", "夏卫军", "2004-06-18", ST_ZHUHANG, 860, 12000, 126.5 },
	{ "上海朗股科技有限公司南通分公司", "C34", NULL, "2016-03-22", ST_XINKAI, 180, 3000, 38.0 },
	{ "南通星源材质科技有限公司", "C29", NULL, "2020-11-09", ST_XIAOHAI, 420, 150000, 610.0 },
	{ "南通晟斯生物医药有限公司", "C27", NULL, "2021-05-26", ST_ZHONGXING, 260, 50000, 182.0 },
};

/* The region table.  Values are the article's January-October 2021
 * cumulative figures (万元; fdi_utilised 万美元) and the year-on-year
 * growth against January-October 2020; tax is a share of budget revenue
 * (2021, 2020).  The years after 2021 are derived from them (see
 * seed_indicators).
 * Zone ranks for Jan-Oct 2021 that follow from these numbers:
 *   budget revenue growth 12.8%  3rd (海门 15.2, 通州 13.9)
 *   tax share 87.0%              2nd (崇川 89.3)
 *   industrial sales 1485亿      3rd (海门 1792, 如皋 1631); growth 31% 2nd (通州 33.7)
 *   service sales 1500亿         2nd (崇川 2640);            growth 22% 2nd (海门 23.1)
 *   trade total 453.8亿          2nd (崇川 512.6);            growth 27.5% 4th (so not named)
 *   fdi 5.54亿美元               4th; growth 10.8% 4th (so the report names no rank) */
enum { BASE_BUDGET, BASE_INDUSTRIAL, BASE_SERVICE, BASE_FDI, BASE_TRADE, NBASE };
static const char *const BASE_INDICATORS[NBASE] = {
	"budget_revenue", "industrial_sales", "service_sales", "fdi_utilised", "trade_total",
};
static const struct {
	const char *name, *name_en;
	int is_zone;
	int64_t value[NBASE];
	double growth[NBASE];
	double tax_share, tax_share_prev;
} REGIONS[] = {
	{ "南通开发区", "Nantong Development Zone", 1,
	  { 618000, 14850000, 15000000, 55400, 4538000 }, { 0.128, 0.310, 0.220, 0.108, 0.275 }, 0.870, 0.861 },
	{ "崇川区", "Chongchuan District", 0,
	  { 702000, 6280000, 26400000, 38600, 5126000 }, { 0.086, 0.095, 0.142, 0.062, 0.123 }, 0.893, 0.889 },
	{ "通州区", "Tongzhou District", 0,
	  { 856000, 13640000, 11850000, 42300, 2987000 }, { 0.139, 0.337, 0.168, 0.125, 0.156 }, 0.842, 0.836 },
	{ "海门区", "Haimen District", 0,
	  { 1025000, 17920000, 12630000, 61800, 3842000 }, { 0.152, 0.184, 0.231, 0.094, 0.302 }, 0.856, 0.850 },
	{ "如皋市", "Rugao City", 0,
	  { 794000, 16310000, 9870000, 57300, 2463000 }, { 0.104, 0.246, 0.126, 0.141, 0.296 }, 0.815, 0.810 },
	{ "如东县", "Rudong County", 0,
	  { 651000, 11570000, 6420000, 36200, 1856000 }, { 0.117, 0.213, 0.109, 0.087, 0.097 }, 0.788, 0.781 },
	{ "启东市", "Qidong City", 0,
	  { 763000, 12460000, 8960000, 58600, 3215000 }, { 0.098, 0.272, 0.185, 0.113, 0.281 }, 0.827, 0.820 },
	{ "海安市", "Hai'an City", 0,
	  { 738000, 13980000, 9150000, 33800, 1978000 }, { 0.121, 0.198, 0.137, 0.079, 0.135 }, 0.834, 0.828 },
};

/* Seasonal weight of each month's increment. */
static const double MONTH_WEIGHTS[12] = { 1.25, 0.70, 0.95, 1.00, 1.00, 1.05, 0.95, 0.90, 1.00, 1.00, 1.05, 1.15 };

enum { S_LEAD, S_NEGOTIATING, S_SIGNED, S_LANDED, S_STARTED, S_PRODUCING };

/* Projects: unit index, name, industry, stage, major (>= 10亿元), foreign.
 * The first three are the article's, with fixed amounts and dates. */
static const struct {
	int unit;
	const char *name, *industry;
	int stage, major, foreign;
} PROJECTS[] = {
	{ 0, "星源锂电池隔膜项目", "C29", S_STARTED, 1, 0 },
	{ 1, "晟斯生物医药项目", "C27", S_LANDED, 1, 0 },
	{ 4, "奥斯福地块智慧产业园项目", "C39", S_SIGNED, 1, 0 },
	/* 招商局 */
	{ 0, "高端数控机床生产基地项目", "C34", S_SIGNED, 1, 0 },
	{ 0, "新能源汽车驱动电机项目", "C38", S_NEGOTIATING, 1, 1 },
	{ 0, "半导体封装测试项目", "C39", S_LANDED, 1, 1 },
	{ 0, "精密轴承智能制造项目", "C34", S_PRODUCING, 0, 0 },
	{ 0, "光伏组件研发制造项目", "C38", S_STARTED, 0, 0 },
	{ 0, "工业机器人减速器项目", "C34", S_LEAD, 0, 0 },
	{ 0, "特种电缆扩产项目", "C38", S_PRODUCING, 0, 0 },
	{ 0, "医用高分子材料项目", "C29", S_NEGOTIATING, 0, 0 },
	{ 0, "汽车轻量化零部件项目", "C36", S_SIGNED, 0, 1 },
	{ 0, "风电装备关键部件项目", "C34", S_LEAD, 0, 0 },
	/* 投资促进局 */
	{ 1, "创新药CDMO基地项目", "C27", S_NEGOTIATING, 1, 1 },
	{ 1, "高端医疗器械产业园项目", "C35", S_SIGNED, 1, 0 },
	{ 1, "生物试剂研发生产项目", "C27", S_STARTED, 0, 0 },
	{ 1, "精密模具制造项目", "C35", S_PRODUCING, 0, 1 },
	{ 1, "电子化学品项目", "C26", S_LANDED, 0, 0 },
	{ 1, "氢燃料电池电堆项目", "C38", S_LEAD, 0, 0 },
	{ 1, "显示面板材料项目", "C39", S_NEGOTIATING, 0, 1 },
	{ 1, "细胞治疗研发中心项目", "M73", S_LEAD, 0, 0 },
	{ 1, "医药中间体绿色工厂项目", "C27", S_STARTED, 0, 0 },
	{ 1, "医疗耗材智能工厂项目", "C35", S_PRODUCING, 0, 0 },
	/* 服务业发展局 */
	{ 2, "区域总部经济大厦项目", "L72", S_SIGNED, 1, 0 },
	{ 2, "数字经济产业园项目", "I65", S_STARTED, 0, 0 },
	{ 2, "跨境电商综合服务平台项目", "F51", S_PRODUCING, 0, 0 },
	{ 2, "工业互联网平台项目", "I65", S_LANDED, 0, 0 },
	{ 2, "供应链金融服务中心项目", "L72", S_NEGOTIATING, 0, 0 },
	{ 2, "检验检测认证中心项目", "M74", S_SIGNED, 0, 1 },
	{ 2, "智慧物流园项目", "G59", S_STARTED, 0, 0 },
	{ 2, "人力资源服务产业园项目", "L72", S_PRODUCING, 0, 0 },
	{ 2, "软件外包服务中心项目", "I65", S_LEAD, 0, 0 },
	{ 2, "研发设计总部项目", "M73", S_NEGOTIATING, 0, 0 },
	/* 综保区管理局招商部 */
	{ 3, "保税维修再制造项目", "C34", S_LANDED, 1, 1 },
	{ 3, "跨境电商保税仓项目", "G59", S_PRODUCING, 0, 0 },
	{ 3, "进口冷链分拨中心项目", "G59", S_SIGNED, 0, 0 },
	{ 3, "保税研发中心项目", "M73", S_NEGOTIATING, 0, 1 },
	{ 3, "国际贸易结算中心项目", "F51", S_STARTED, 0, 0 },
	{ 3, "集成电路保税物流项目", "G59", S_LEAD, 0, 0 },
	{ 3, "高端纺织面料项目", "C17", S_SIGNED, 0, 1 },
	{ 3, "进口医疗器械分拨项目", "F51", S_NEGOTIATING, 0, 0 },
	{ 3, "保税船舶配件项目", "C34", S_PRODUCING, 0, 1 },
	{ 3, "大宗商品交易平台项目", "F51", S_LEAD, 0, 0 },
	/* 工业招商公司 */
	{ 4, "动力电池结构件项目", "C38", S_STARTED, 1, 0 },
	{ 4, "海工装备配套项目", "C35", S_LANDED, 1, 0 },
	{ 4, "高性能碳纤维复合材料项目", "C26", S_NEGOTIATING, 1, 0 },
	{ 4, "智能家电零部件项目", "C38", S_PRODUCING, 0, 0 },
	{ 4, "精密铸造项目", "C33", S_STARTED, 0, 0 },
	{ 4, "储能系统集成项目", "C38", S_SIGNED, 0, 0 },
	{ 4, "5G通信模组项目", "C39", S_LEAD, 0, 0 },
	{ 4, "光学膜材料项目", "C29", S_NEGOTIATING, 0, 0 },
	{ 4, "工业气体项目", "C26", S_LANDED, 0, 1 },
	{ 4, "新型显示模组项目", "C39", S_PRODUCING, 0, 1 },
	/* 服务业招商公司 */
	{ 5, "滨江湾商业综合体项目", "F52", S_SIGNED, 1, 0 },
	{ 5, "国际社区配套服务项目", "L72", S_NEGOTIATING, 0, 0 },
	{ 5, "智慧停车运营项目", "I65", S_PRODUCING, 0, 0 },
	{ 5, "数据中心项目", "I65", S_STARTED, 0, 0 },
	{ 5, "科技金融服务中心项目", "L72", S_LANDED, 0, 0 },
	{ 5, "职业技能培训基地项目", "P83", S_LEAD, 0, 0 },
	{ 5, "商贸物流配送中心项目", "G59", S_STARTED, 0, 0 },
	{ 5, "软件园二期项目", "I65", S_NEGOTIATING, 0, 0 },
	{ 5, "直播电商基地项目", "F52", S_PRODUCING, 0, 0 },
	{ 5, "会展服务中心项目", "L72", S_LEAD, 0, 0 },
};

/* The article's projects: amount (万元) and dates lead, signed, landed,
 * started, producing as of a demo whose last full month ended on
 * ARTICLE_REF; plan_projects moves them by whole days so that ARTICLE_REF
 * is the end of the last full month before today. */
#define ARTICLE_REF "2026-11-30"
static const struct {
	int64_t total_wan;
	const char *dates[5];
	int enterprise;   /* index into NAMED, -1 none */
} ARTICLE_PROJECTS[3] = {
	{ 1000000, { "2025-11-19", "2026-04-17", "2026-07-05", "2026-10-22", "" }, ENT_XINGYUAN },
	{ 500000, { "2025-12-12", "2026-05-27", "2026-09-13", "", "" }, ENT_SHENGSI },
	{ 520000, { "2026-02-08", "2026-08-29", "", "", "" }, -1 },
};

_Static_assert(NELEM(PROJECTS) == NPROJECTS, "NPROJECTS counts PROJECTS");

/* ---- writing, through the domain functions ---- */

/* An account, through user_create with the demo's shared password hash. */
static int64_t insert_user(struct seed *s, const char *username, const char *display, const char *role,
                           const char *hash, int64_t unit, int64_t enterprise, int64_t dept)
{
	struct user_input in = {
		.username = username, .display_name = display, .role = role, .password_hash = hash,
		.unit_id = unit, .enterprise_id = enterprise, .department_id = dept,
		.has_unit = unit > 0, .has_enterprise = enterprise > 0, .has_department = dept > 0,
	};
	int64_t id = 0;
	err_t e;
	if (user_create(s->db, &in, &id, &e) < 0)
		return fail_err(s, "users", &e);
	return id;
}

static void random_name(struct seed *s, char out[16])
{
	snprintf(out, 16, "%s%s", SURNAMES[rnd_int(s, 0, NELEM(SURNAMES) - 1)],
	         GIVEN[rnd_int(s, 0, NELEM(GIVEN) - 1)]);
}

/* A staff member's name, different from every staff name given so far. */
static const char *staff_name(struct seed *s)
{
	char name[16];
	for (int tries = 0;; tries++) {
		random_name(s, name);
		int used = 0;
		for (int i = 0; i < s->npeople && !used; i++)
			used = strcmp(s->people[i].name, name) == 0;
		if (!used || tries > 1000)
			break;
	}
	/* MAXPEOPLE covers every staff account; the last slot is reused if not */
	int i = s->npeople < MAXPEOPLE ? s->npeople++ : MAXPEOPLE - 1;
	memcpy(s->people[i].name, name, sizeof name);
	return s->people[i].name;
}

static void remember_person(struct seed *s, const char *name)
{
	if (s->npeople < MAXPEOPLE) {
		snprintf(s->people[s->npeople].name, sizeof s->people[0].name, "%s", name);
		s->npeople++;
	}
}

/* The zone's settings, through setting_set; one set already (by the CLI
 * before the first start) is kept. */
static int seed_settings(struct seed *s)
{
	for (int i = 0; i < NELEM(SETTINGS); i++) {
		const char *p[1] = { SETTINGS[i][0] };
		int64_t n = db_int1(s->db, "SELECT count(*) FROM settings WHERE key = $1", -1, 1, p);
		if (n < 0)
			return fail(s, "settings");
		const char *msg = NULL;
		if (n == 0 && setting_set(s->db, SETTINGS[i][0], SETTINGS[i][1], &msg) != 0) {
			err_t e;
			err_set(&e, 500, "internal", SETTINGS[i][0], "%s", msg ? msg : "?");
			return fail_err(s, "settings", &e);
		}
	}
	return 0;
}

/* The six units (migration 7 made them: updated to the demo's), streets,
 * departments and the city's regions, through the API's functions. */
static int seed_org(struct seed *s)
{
	err_t e;
	for (int i = 0; i < NUNITS; i++) {
		struct unit_in in = { .code = UNITS[i].code, .name = UNITS[i].name, .name_en = UNITS[i].name_en,
		                      .kind = UNITS[i].kind, .sort = i + 1 };
		int64_t id = unit_id_by_code(s->db, in.code);
		if ((id > 0 ? unit_update(s->db, id, &in, &e) : unit_create(s->db, &in, &id, &e)) < 0)
			return fail_err(s, "units", &e);
		s->unit_id[i] = id;
	}
	for (int i = 0; i < NELEM(STREETS); i++)
		if (street_create(s->db, STREETS[i][0], STREETS[i][1], &s->street_id[i], &e) < 0)
			return fail_err(s, "streets", &e);
	for (int i = 0; i < NELEM(DEPTS); i++)
		if (department_create(s->db, DEPTS[i].name, DEPTS[i].name_en, DEPTS[i].level, &s->dept_id[i], &e) < 0)
			return fail_err(s, "departments", &e);
	for (int i = 0; i < NELEM(OFFICES); i++)
		if (department_create_in(s->db, OFFICES[i][0], OFFICES[i][1], "district", s->street_id[i], &s->office_id[i],
		                         &e) < 0)
			return fail_err(s, "street offices", &e);
	for (int i = 0; i < NELEM(REGIONS); i++)
		if (region_create(s->db, REGIONS[i].name, REGIONS[i].name_en, REGIONS[i].is_zone, i + 1, &s->region_id[i],
		                  &e) < 0)
			return fail_err(s, "regions", &e);
	return 0;
}

/* Leaders, recruiters, officers, department accounts, the statistician. */
static int seed_staff(struct seed *s, const char *hash)
{
	char username[48];
	for (int i = 0; i < NUNITS; i++)
		remember_person(s, UNITS[i].leader);
	for (int i = 0; i < NUNITS; i++) {
		snprintf(username, sizeof username, "leader.%s", UNITS[i].code);
		if (insert_user(s, username, UNITS[i].leader, "leader", hash, s->unit_id[i], 0, 0) < 0)
			return -1;
	}
	for (int i = 0; i < NUNITS; i++)
		for (int j = 0; j < NRECRUITERS; j++) {
			snprintf(username, sizeof username, "rec.%s.%d", UNITS[i].code, j + 1);
			s->rec_id[i][j] = insert_user(s, username, staff_name(s), "recruiter", hash, s->unit_id[i], 0, 0);
			if (s->rec_id[i][j] < 0)
				return -1;
		}
	for (int i = 0; i < NOFFICERS; i++) {
		snprintf(username, sizeof username, "officer%02d", i + 1);
		s->officer_id[i] = insert_user(s, username, staff_name(s), "officer", hash, 0, 0, 0);
		if (s->officer_id[i] < 0)
			return -1;
	}
	for (int i = 0; i < NELEM(DEPTS); i++) {
		snprintf(username, sizeof username, "dept.%s", DEPTS[i].code);
		if (insert_user(s, username, DEPTS[i].name, "department", hash, 0, 0, s->dept_id[i]) < 0)
			return -1;
	}
	if (insert_user(s, "stats", staff_name(s), "statistician", hash, 0, 0, 0) < 0)
		return -1;
	/* the zone's leader in charge of investment (区分管领导): bound to no unit,
	 * so it publishes the race's months; a fixed name, so the random draws
	 * of the rest of the demo stay as they are */
	if (insert_user(s, "leader.zone", "顾振华", "leader", hash, 0, 0, 0) < 0)
		return -1;
	/* the streets' offices, last: the names drawn above stay as they were */
	for (int i = 0; i < NELEM(OFFICES); i++) {
		snprintf(username, sizeof username, "dept.street%d", i + 1);
		if (insert_user(s, username, OFFICES[i][0], "department", hash, 0, 0, s->office_id[i]) < 0)
			return -1;
	}
	return 0;
}

/* A valid credit code not used before, registered in the zone (320691).
 * Organisation codes issued before the credit code (October 2015) are 8
 * digits; later ones start with "MA1" (to 2019) or "MA2". */
static int make_credit_code(struct seed *s, const char *founded, char out[19])
{
	for (int tries = 0; tries < 1000; tries++) {
		char code[19];
		memcpy(code, "91320691", 8);
		if (strcmp(founded, "2015-10-01") < 0) {
			code[8] = "567"[rnd_int(s, 0, 2)];
			for (int i = 9; i < 16; i++)
				code[i] = (char)('0' + rnd_int(s, 0, 9));
		} else {
			code[8] = 'M';
			code[9] = 'A';
			code[10] = strcmp(founded, "2020-01-01") < 0 ? '1' : '2';
			for (int i = 11; i < 16; i++)
				code[i] = CREDIT_CODE_ALPHABET[rnd_int(s, 0, (int)sizeof CREDIT_CODE_ALPHABET - 2)];
		}
		credit_code_complete(code);
		if (!credit_code_check(code))
			continue;
		int used = 0;
		for (int i = 0; i < s->nent && !used; i++)
			used = strcmp(s->ent_code[i], code) == 0;
		if (!used) {
			memcpy(out, code, 19);
			return 0;
		}
	}
	snprintf(s->msg, sizeof s->msg, "demo seed: cannot make a unique credit code");
	s->failed = 1;
	return -1;
}

static int pick_weighted(struct seed *s, const int *w, int n)
{
	int total = 0;
	for (int i = 0; i < n; i++)
		total += w[i];
	int r = rnd_int(s, 0, total - 1);
	for (int i = 0; i < n; i++) {
		if (r < w[i])
			return i;
		r -= w[i];
	}
	return n - 1;
}

static int pick_industry(struct seed *s)
{
	int w[NELEM(INDUSTRIES)];
	for (int i = 0; i < NELEM(INDUSTRIES); i++)
		w[i] = INDUSTRIES[i].weight;
	return pick_weighted(s, w, NELEM(INDUSTRIES));
}

/* Round v down to a multiple of step (at least step). */
static int64_t round_to(int64_t v, int64_t step)
{
	int64_t r = v / step * step;
	return r < step ? step : r;
}

/* An enterprise, validated and written as the importer does
 * (enterprise_validate, enterprise_upsert): the search grams and, for a
 * key enterprise, the officer's assignment (assigned by nobody, as from
 * the CLI) come with it. */
/* An enterprise checked as the API checks it and kept in s->ents (its
 * street, officer and department are the demo's own rows); 0 or -1. */
static int insert_enterprise(struct seed *s, const char *code, const char *name, int street,
                             const char *industry, int is_key, int64_t officer, int64_t dept,
                             const char *contact, const char *phone, int employees, int64_t capital,
                             double land_mu, const char *founded)
{
	struct enterprise_in e = {
		.credit_code = code, .name = name, .street_id = s->street_id[street], .industry = industry,
		.key = is_key, .officer_id = officer, .department_id = dept, .contact_name = contact,
		.contact_phone = phone, .employees = employees, .registered_capital_wan = capital, .land_mu = land_mu,
		.founded_on = founded, .refs_resolved = 1,
		.has = ENT_F_CODE | ENT_F_NAME | ENT_F_STREET | ENT_F_INDUSTRY | ENT_F_KEY | ENT_F_OFFICER | ENT_F_DEPT |
		       ENT_F_CONTACT | ENT_F_PHONE | ENT_F_EMPLOYEES | ENT_F_CAPITAL | ENT_F_LAND | ENT_F_FOUNDED,
	};
	err_t err;
	if (enterprise_validate(s->db, s->a, &e, 0, &err) < 0)
		return fail_err(s, "enterprises", &err);
	return enterprise_create_bulk(s->db, &e, 0, s->now, &s->ents) == DB_OK ? 0 : fail(s, "enterprises");
}

/* Write the enterprises kept in s->ents (rows, officer assignments and
 * search grams in bulk) and read their ids into s->ent_id, in order. */
static int write_enterprises(struct seed *s)
{
	if (enterprise_bulk_flush(s->db, &s->ents) != DB_OK)
		return fail(s, "enterprises");
	db_stmt_t *st = db_prepare(s->db, "SELECT id, credit_code FROM enterprises ORDER BY id");
	if (st == NULL)
		return fail(s, "enterprises");
	int k = 0, rc;
	while ((rc = db_step(st)) == DB_ROW && k < s->nent && strcmp(db_col_text(st, 1), s->ent_code[k]) == 0)
		s->ent_id[k++] = db_col_int(st, 0);
	db_done(st);
	return k == s->nent && (rc == DB_DONE || rc == DB_ROW) ? 0 : fail(s, "enterprises: their ids");
}

static void make_phone(struct seed *s, char out[12])
{
	snprintf(out, 12, "139%04d%04d", rnd_int(s, 0, 9999), rnd_int(s, 0, 9999));
}

static void make_date(struct seed *s, int y0, int y1, char out[11])
{
	int64_t a = date_from_civil(y0, 1, 1), b = date_from_civil(y1, 12, 31);
	date_format(a + rnd_int(s, 0, (int)(b - a)), out);
}

static int enterprise_name_used(struct seed *s, const char *name)
{
	for (int i = 0; i < s->nent; i++)
		if (strcmp(s->ent_name[i], name) == 0)
			return 1;
	return 0;
}

static int seed_enterprises(struct seed *s)
{
	/* Which of the generated enterprises are key: NKEY - NNAMED of them,
	 * chosen by a partial shuffle. */
	enum { NGEN = NENTERPRISES - NNAMED };
	int order[NGEN];
	unsigned char is_key[NGEN];
	for (int i = 0; i < NGEN; i++)
		order[i] = i, is_key[i] = 0;
	for (int i = 0; i < NKEY - NNAMED; i++) {
		int j = rnd_int(s, i, NGEN - 1);
		int t = order[i];
		order[i] = order[j];
		order[j] = t;
		is_key[order[i]] = 1;
	}

	int nkey = 0;
	char phone[12], founded[11];
	for (int i = 0; i < NNAMED; i++) {
		if (make_credit_code(s, NAMED[i].founded, s->ent_code[s->nent]) < 0)
			return -1;
		snprintf(s->ent_name[s->nent], sizeof s->ent_name[0], "%s", NAMED[i].name);
		make_phone(s, phone);
		char *contact = s->ent_contact[s->nent];
		if (NAMED[i].contact)
			snprintf(contact, sizeof s->ent_contact[0], "%s", NAMED[i].contact);
		else
			random_name(s, contact);
		if (insert_enterprise(s, s->ent_code[s->nent], NAMED[i].name, NAMED[i].street, NAMED[i].industry, 1,
		                      s->officer_id[nkey % NOFFICERS], s->dept_id[nkey % NDISTRICT_DEPTS], contact, phone,
		                      NAMED[i].employees, NAMED[i].capital_wan, NAMED[i].land_mu, NAMED[i].founded) < 0)
			return -1;
		nkey++;
		s->nent++;
	}

	for (int g = 0; g < NGEN; g++) {
		int key = is_key[g];
		int ind = pick_industry(s);
		const char *icode = INDUSTRIES[ind].code;
		int manuf = INDUSTRIES[ind].manufacturing;
		int nphrase = 0;
		while (nphrase < 4 && INDUSTRIES[ind].phrase[nphrase])
			nphrase++;

		char *name = s->ent_name[s->nent];
		size_t ncap = sizeof s->ent_name[0];
		for (int tries = 0;; tries++) {
			const char *trade = TRADE_NAMES[rnd_int(s, 0, NELEM(TRADE_NAMES) - 1)];
			const char *phrase = INDUSTRIES[ind].phrase[rnd_int(s, 0, nphrase - 1)];
			int form = rnd_int(s, 0, 99);
			const char *suffix = key && manuf && rnd_int(s, 0, 3) == 0 ? "股份有限公司" : "有限公司";
			if (form < 78)
				snprintf(name, ncap, "南通%s%s%s", trade, phrase, suffix);
			else if (form < 92)
				snprintf(name, ncap, "江苏%s%s%s", trade, phrase, suffix);
			else
				snprintf(name, ncap, "%s（南通）%s%s", trade, phrase, suffix);
			if (!enterprise_name_used(s, name) || tries > 200)
				break;
		}

		int street = pick_weighted(s, STREET_WEIGHTS, NELEM(STREET_WEIGHTS));
		make_date(s, key ? 1996 : 2000, key ? 2021 : 2025, founded);
		if (make_credit_code(s, founded, s->ent_code[s->nent]) < 0)
			return -1;

		int employees;
		int64_t capital;
		double land = 0;
		if (manuf) {
			employees = key ? rnd_int(s, 150, 2800) : rnd_int(s, 12, 260);
			capital = key ? round_to(rnd_int(s, 2000, 60000), 500) : round_to(rnd_int(s, 50, 3000), 50);
			land = key ? rnd_int(s, 300, 3600) / 10.0 : rnd_int(s, 30, 600) / 10.0;
		} else {
			employees = key ? rnd_int(s, 60, 900) : rnd_int(s, 5, 120);
			capital = key ? round_to(rnd_int(s, 1000, 20000), 500) : round_to(rnd_int(s, 50, 2000), 50);
			land = key && rnd_int(s, 0, 2) == 0 ? rnd_int(s, 20, 300) / 10.0 : 0;
		}
		make_phone(s, phone);
		char *contact = s->ent_contact[s->nent];
		random_name(s, contact);
		int64_t officer = 0, dept = 0;
		if (key) {
			officer = s->officer_id[nkey % NOFFICERS];
			dept = s->dept_id[nkey % NDISTRICT_DEPTS];
			nkey++;
		}
		if (insert_enterprise(s, s->ent_code[s->nent], name, street, icode, key, officer, dept, contact, phone,
		                      employees, capital, land, founded) < 0)
			return -1;
		s->nent++;
	}
	return write_enterprises(s);
}

static int seed_enterprise_users(struct seed *s, const char *hash)
{
	static const struct {
		const char *username;
		int ent;
	} ACCOUNTS[] = {
		{ "ent.hengtai", ENT_HENGTAI },
		{ "ent.langgu", ENT_LANGGU },
		{ "ent.xingyuan", ENT_XINGYUAN },
	};
	for (int i = 0; i < NELEM(ACCOUNTS); i++) {
		if (insert_user(s, ACCOUNTS[i].username, s->ent_contact[ACCOUNTS[i].ent], "enterprise", hash, 0,
		                s->ent_id[ACCOUNTS[i].ent], 0) < 0)
			return -1;
	}
	return 0;
}

/* The day talks began (洽谈): a negotiating project's some weeks after
 * its first information (before yesterday), a signed one's between its
 * first information and its signing; none for a lead. */
static void plan_talks(struct seed *s, struct demo_project *dp, int64_t today)
{
	int64_t lead, signed_on, d;
	dp->negotiating_on[0] = '\0';
	if (date_parse(dp->dates[0], &lead) != DATE_OK)
		return;
	if (date_parse(dp->dates[1], &signed_on) == DATE_OK && signed_on - lead >= 4)
		d = lead + 1 + rnd_int(s, 0, (int)((signed_on - lead) / 2));
	else if (dp->negotiating)
		d = lead + rnd_int(s, 7, 60);
	else
		return;
	if (d >= today)
		d = today - 1;
	if (d >= lead)
		date_format(d, dp->negotiating_on);
}

/* The projects: their figures and dates (the first, lead_on, when their
 * first information came), written by demo_race.c after the leads they
 * come from (demo_seed_race).  The dates are relative to the clock: the
 * stages are reached over the 23 months up to the end of the last full
 * month before today (`last`, the race's months: demo_race.c), a lead's
 * first information and the start of talks (洽谈) up to yesterday. */
static int plan_projects(struct seed *s)
{
	int y, m;
	date_to_civil(date_of_unix(s->now), &y, &m, NULL);
	const int64_t today = date_of_unix(s->now), last = month_first(y, m) - 1;
	month_add(&y, &m, -23);
	const int64_t first = month_first(y, m);
	int64_t ref;
	if (date_parse(ARTICLE_REF, &ref) != DATE_OK)
		return -1;
	/* shortest and longest gap (days) before signed, landed, started, producing */
	static const int GAP_MIN[4] = { 40, 30, 30, 90 }, GAP_MAX[4] = { 160, 120, 120, 200 };
	for (int p = 0; p < NELEM(PROJECTS); p++) {
		char dates[5][11];
		memset(dates, 0, sizeof dates);
		int64_t total, foreign = 0;
		int enterprise = -1;   /* index into NAMED */
		if (p < NELEM(ARTICLE_PROJECTS)) {
			total = ARTICLE_PROJECTS[p].total_wan;
			for (int k = 0; k < 5; k++) {
				int64_t d;
				if (date_parse(ARTICLE_PROJECTS[p].dates[k], &d) == DATE_OK)
					date_format(d - ref + last, dates[k]);
			}
			enterprise = ARTICLE_PROJECTS[p].enterprise;
		} else {
			total = PROJECTS[p].major ? round_to(rnd_int(s, 100000, 600000), 5000)
			                          : round_to(rnd_int(s, 3000, 90000), 500);
			int stage = PROJECTS[p].stage;
			int ngaps = stage >= S_SIGNED ? stage - S_SIGNED + 1 : 0;
			int64_t gaps[4], span = 0;
			for (int k = 0; k < ngaps; k++)
				span += gaps[k] = rnd_int(s, GAP_MIN[k], GAP_MAX[k]);
			int64_t lo, hi;
			if (stage == S_LEAD)
				lo = today - 150, hi = today - 2;
			else if (stage == S_NEGOTIATING)
				lo = last - 420, hi = last - 60;
			else
				lo = last - span - 240, hi = last - span - 5;
			if (lo < first)
				lo = first;
			if (hi < lo)
				hi = lo;
			int64_t d = lo + rnd_int(s, 0, (int)(hi - lo));
			date_format(d, dates[0]);
			for (int k = 0; k < ngaps; k++) {
				d += gaps[k];
				date_format(d, dates[k + 1]);
			}
		}
		if (PROJECTS[p].foreign)
			foreign = round_to((int64_t)((double)total / 7.1 * (0.4 + 0.5 * rnd_unit(s))), 10);
		int u = PROJECTS[p].unit;
		struct demo_project *dp = &s->projects[p];
		dp->name = PROJECTS[p].name;
		dp->industry = PROJECTS[p].industry;
		dp->company = enterprise >= 0 ? NAMED[enterprise].name : NULL;
		dp->unit_id = s->unit_id[u];
		dp->recruiter_id = s->rec_id[u][rnd_int(s, 0, NRECRUITERS - 1)];
		dp->total_investment_wan = total;
		dp->foreign_investment_wan_usd = foreign;
		dp->negotiating = PROJECTS[p].stage == S_NEGOTIATING;
		memcpy(dp->dates, dates, sizeof dates);
		plan_talks(s, dp, today);
	}
	return 0;
}

/* An indicator value, kept to be written with the others in bulk. */
struct ivalue {
	int64_t region, value;
	const char *indicator;
	int year, month;
};

static int insert_value(struct seed *s, int64_t region, const char *indicator, int year, int month,
                        int64_t value)
{
	if (s->nivals == s->civals) {
		size_t cap = s->civals ? 2 * s->civals : 4096;
		struct ivalue *v = realloc(s->ivals, cap * sizeof *v);
		if (v == NULL)
			return fail(s, "indicator_values: out of memory");
		s->ivals = v;
		s->civals = cap;
	}
	s->ivals[s->nivals++] = (struct ivalue){ region, value, indicator, year, month };
	return 0;
}

/* The values kept by insert_value(), in their order, in one COPY (the
 * values are the demo's own, in range: ind_value_insert's checks hold). */
static int write_values(struct seed *s)
{
	db_copy_t *c = db_copy_begin(s->db, "indicator_values", "region_id, indicator, year, value, month", 5);
	for (size_t i = 0; i < s->nivals; i++) {
		const struct ivalue *v = &s->ivals[i];
		db_copy_int(c, v->region);
		db_copy_text(c, v->indicator);
		db_copy_int(c, v->year);
		db_copy_int(c, v->value);
		db_copy_int(c, v->month);
		db_copy_row(c);
	}
	free(s->ivals);
	s->ivals = NULL;
	s->nivals = s->civals = 0;
	return db_copy_end(c) == DB_OK ? 0 : fail(s, "indicator_values");
}

/* Cumulative series with out[9] (October) == oct exactly: seasonal
 * monthly increments with +-8% noise, scaled. */
static void make_series(struct seed *s, int64_t oct, int64_t out[12])
{
	double cum[12], c = 0;
	for (int m = 0; m < 12; m++) {
		c += MONTH_WEIGHTS[m] * (0.92 + 0.16 * rnd_unit(s));
		cum[m] = c;
	}
	for (int m = 0; m < 12; m++)
		out[m] = m == 9 ? oct : llround((double)oct * cum[m] / cum[9]);
}

/* Round x up to three significant digits. */
static int64_t nice_up(double x)
{
	int64_t step = 1;
	while (x / (double)step >= 1000.0)
		step *= 10;
	return (int64_t)ceil(x / (double)step) * step;
}

/* The article's year: its January-October figures are REGIONS' values,
 * kept as history with the year before it. */
enum { ARTICLE_YEAR = 2021 };

/* The first nmonths of a year's cumulative series of base indicator k,
 * and for budget revenue its tax share (within +-1% month to month, exact
 * in October). */
static int insert_year(struct seed *s, int r, int k, int year, const int64_t series[12], int nmonths, double share)
{
	int64_t region = s->region_id[r];
	for (int m = 0; m < nmonths; m++) {
		if (insert_value(s, region, BASE_INDICATORS[k], year, m + 1, series[m]) < 0)
			return -1;
		if (k != BASE_BUDGET)
			continue;
		double p = m == 9 ? 0 : 0.02 * (rnd_unit(s) - 0.5);
		if (insert_value(s, region, "tax_revenue", year, m + 1, llround((double)series[m] * share * (1.0 + p))) < 0)
			return -1;
	}
	return 0;
}

/* The zone's annual targets for a year: its January-October pace
 * extrapolated with the year before's November-December, plus 3%. */
static int insert_targets(struct seed *s, int r, int k, int year, const int64_t prev[12], int64_t oct, double share)
{
	double pace = (double)oct * (double)prev[11] / (double)prev[9] * 1.03;
	for (int t = 0; t < (k == BASE_BUDGET ? 2 : 1); t++) {
		err_t e;
		if (ind_target_set(s->db, s->region_id[r], t == 0 ? BASE_INDICATORS[k] : "tax_revenue", year,
		                   nice_up(t == 0 ? pace : pace * share), NULL, &e) < 0)
			return fail_err(s, "indicator_targets", &e);
	}
	return 0;
}

/* The tax share of a year: the article's, drifting up 0.1 point a year
 * after it. */
static double tax_share(int r, int year)
{
	if (year < ARTICLE_YEAR)
		return REGIONS[r].tax_share_prev;
	return REGIONS[r].tax_share + 0.001 * (year - ARTICLE_YEAR);
}

/* Monthly cumulative values of every region: the article's year and the
 * one before (history, whole years, targets for the article's year), and
 * the year of the last full month before today and the one before, up to
 * that month (in January: the two years before; targets for the clock's
 * year).  The years after the article's
 * grow each year by 35-85% of the article's growth of that region and
 * indicator, so that the present looks like the article's zone a few
 * years on. */
static int seed_indicators(struct seed *s)
{
	int year, month;
	date_to_civil(date_of_unix(s->now), &year, &month, NULL);
	int last = year > ARTICLE_YEAR ? year : ARTICLE_YEAR;
	int first = month == 1 ? year - 2 : year - 1;   /* the last full month's year and the one before */
	for (int r = 0; r < NELEM(REGIONS); r++) {
		for (int k = 0; k < NBASE; k++) {
			int64_t prev[12] = { 0 }, cur[12];
			int64_t oct = llround((double)REGIONS[r].value[k] / (1.0 + REGIONS[r].growth[k]));
			for (int y = ARTICLE_YEAR - 1; y <= last; y++) {
				if (y == ARTICLE_YEAR)
					oct = REGIONS[r].value[k];
				else if (y > ARTICLE_YEAR)
					oct = llround((double)oct * (1.0 + REGIONS[r].growth[k] * (0.35 + 0.5 * rnd_unit(s))));
				make_series(s, oct, cur);
				int history = y <= ARTICLE_YEAR, present = y >= first && y <= year;
				int months = history || y < year ? 12 : month - 1;
				if ((history || present) && insert_year(s, r, k, y, cur, months, tax_share(r, y)) < 0)
					return -1;
				if (REGIONS[r].is_zone && y >= ARTICLE_YEAR && (y == ARTICLE_YEAR || y == year) &&
				    insert_targets(s, r, k, y, prev, oct, tax_share(r, y)) < 0)
					return -1;
				memcpy(prev, cur, sizeof prev);
			}
		}
	}
	return write_values(s);
}

/* ---- entry point ---- */

static void random_password(char *out, size_t len)
{
	/* no 0/O/o, 1/l/I/i */
	static const char ALPHA[] = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";
	for (size_t i = 0; i < len; i++)
		out[i] = ALPHA[randombytes_uniform((uint32_t)(sizeof ALPHA - 1))];
	out[len] = '\0';
}

static void set_err(char **err, const char *msg)
{
	if (err)
		*err = strdup(msg);
}

/* Seed db itself, through the domain functions (SQLite; and the scratch
 * database of seed_by_copy). */
static int seed_here(db_t *db, char *admin_password, size_t cap, char **err)
{
	if (err)
		*err = NULL;
	if (admin_password == NULL || cap < 17) {
		set_err(err, "demo seed: the admin password buffer needs 17 bytes");
		return -1;
	}
	admin_password[0] = '\0';
	if (sodium_init() < 0) {
		set_err(err, "demo seed: cannot initialise libsodium");
		return -1;
	}
	/* cheap check before hashing; repeated inside the transaction */
	int64_t n = db_int1(db, "SELECT count(*) FROM users", -1, 0, NULL);
	if (n < 0) {
		char m[640];
		snprintf(m, sizeof m, "demo seed: count users: %s", db_errmsg(db));
		set_err(err, m);
		return -1;
	}
	if (n > 0)
		return 0;

	/* one argon2id hash shared by every demo user */
	char demo_hash[crypto_pwhash_STRBYTES];
	if (password_hash(DEMO_PASSWORD, demo_hash, sizeof demo_hash) != 0) {
		set_err(err, "demo seed: cannot hash the demo password (out of memory)");
		return -1;
	}
	char password[17];
	random_password(password, 16);

	struct seed *s = calloc(1, sizeof *s);
	if (s == NULL) {
		sodium_memzero(password, sizeof password);
		set_err(err, "demo seed: out of memory");
		return -1;
	}
	s->db = db;
	s->rng = 0x5EEDC0DE20261031ULL;
	s->now = now_sec();
	s->a = arena_new();
	if (s->a == NULL) {
		sodium_memzero(password, sizeof password);
		free(s);
		set_err(err, "demo seed: out of memory");
		return -1;
	}

	int result = -1;
	if (db_begin(db) != DB_OK) {
		fail(s, "begin");
		goto out;
	}
	n = db_int1(db, "SELECT count(*) FROM users", -1, 0, NULL);
	if (n != 0) {
		if (n < 0)
			fail(s, "count users");
		else
			result = 0;
		db_rollback(db);
		goto out;
	}
	/* The admin first, through the ordinary account code: a concurrent
	 * seeder (PostgreSQL) waits on the unique username and fails here,
	 * and then reports "already seeded". */
	struct user_input admin = { .username = "admin", .display_name = "系统管理员", .role = "admin",
	                            .password = password };
	int64_t admin_id = 0;
	err_t ue;
	if (user_create(db, &admin, &admin_id, &ue) != 0) {
		snprintf(s->msg, sizeof s->msg, "demo seed: admin: %s (%s)", ue.message, db_errmsg(db));
		s->failed = 1;
		db_rollback(db);
		if (ue.status == 409 && db_int1(db, "SELECT count(*) FROM users", -1, 0, NULL) > 0)
			result = 0;
		goto out;
	}
	if (seed_settings(s) < 0 || seed_org(s) < 0 || seed_staff(s, demo_hash) < 0 ||
	    seed_enterprises(s) < 0 || seed_enterprise_users(s, demo_hash) < 0 || plan_projects(s) < 0 ||
	    seed_indicators(s) < 0 || demo_seed_service(db, s->now, NULL) < 0 ||
	    demo_seed_race(db, s->now, s->projects, NPROJECTS, NULL) < 0 ||
	    demo_land_plots(db, s->now, NULL) < 0 ||
	    demo_seed_facts(db, s->now, NULL) < 0 || demo_seed_plans(db, s->now, NULL) < 0 ||
	    demo_seed_policies(db, s->now, NULL) < 0 || demo_seed_meetings(db, s->now, NULL) < 0 ||
	    demo_seed_notify(db, s->now, NULL) < 0) {
		db_rollback(db);
		goto out;
	}
	/* the per-mu evaluations, after the plots and the facts (issue 11) */
	if (demo_land_evaluations(db, s->now, NULL) < 0) {
		db_rollback(db);
		goto out;
	}
	if (db_commit(db) != DB_OK) {
		fail(s, "commit");
		db_rollback(db);
		goto out;
	}
	memcpy(admin_password, password, 17);
	result = 1;
out:
	if (result < 0)
		set_err(err, s->failed ? s->msg : "demo seed: failed");
	sodium_memzero(password, sizeof password);
	free(s->ivals);
	enterprise_bulk_free(&s->ents);
	arena_free(s->a);
	free(s);
	return result;
}

/* PostgreSQL: the demo's thirty thousand statements (each request's history
 * replayed through the workflow) would each be a round trip.  They run
 * instead against a private SQLite database in memory, through the same
 * functions, and the result is moved into PostgreSQL with one COPY per
 * table (store/transfer.c), in one transaction that first locks every table:
 * a second seeder waits, then finds the users and does nothing, and no
 * other writer's row can fall between the read and the write back. */
static int seed_by_copy(db_t *pg, char *admin_password, size_t cap, char **err)
{
	if (err)
		*err = NULL;
	admin_password[0] = '\0';
	int64_t n = db_int1(pg, "SELECT count(*) FROM users", -1, 0, NULL);
	if (n > 0)
		return 0;
	char m[700], *e = NULL;
	const char *what = "count users";
	db_t *scratch = NULL;
	int rc = -1;
	if (n < 0)
		goto pg_fail;
	what = "begin";
	if (db_begin(pg) != DB_OK)
		goto pg_fail;
	/* a fresh snapshot after the lock's wait, whatever the server's default
	 * (a second seeder must see the first one's users) */
	if (db_exec(pg, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED") != DB_OK)
		goto pg_fail;
	what = "lock the tables";
	if (db_lock_tables(pg) != DB_OK)
		goto pg_fail;
	what = "count users";
	if ((n = db_int1(pg, "SELECT count(*) FROM users", -1, 0, NULL)) < 0)
		goto pg_fail;
	if (n > 0) {   /* another seeder was first */
		rc = 0;
		goto out;
	}
	scratch = db_open("sqlite::memory:", &e);
	if (scratch == NULL || db_migrate(scratch, &e) < 0) {
		snprintf(m, sizeof m, "demo seed: the scratch database: %s", e ? e : "?");
		set_err(err, m);
		goto out;
	}
	/* what the database holds already (the migrations' rows, settings) is the start */
	if (db_begin(scratch) != DB_OK || db_transfer(pg, scratch) != DB_OK || db_commit(scratch) != DB_OK) {
		snprintf(m, sizeof m, "demo seed: copying the database: %s", db_errmsg(scratch));
		set_err(err, m);
		goto out;
	}
	rc = seed_here(scratch, admin_password, cap, err);
	if (rc != 1)
		goto out;
	rc = -1;
	what = "copy the demo";
	if (db_transfer(scratch, pg) != DB_OK)
		goto pg_fail;
	what = "the search index";   /* from PostgreSQL's lower(): SQLite's folds ASCII only */
	if (db_grams_rebuild(pg) != DB_OK)
		goto pg_fail;
	what = "commit";
	if (db_commit(pg) != DB_OK)
		goto pg_fail;
	rc = 1;
	goto out;
pg_fail:
	snprintf(m, sizeof m, "demo seed: %s: %s", what, db_errmsg(pg));
	set_err(err, m);
out:
	if (rc != 1) {
		admin_password[0] = '\0';
		if (db_in_tx(pg))
			db_rollback(pg);
	}
	free(e);
	db_close(scratch);
	return rc < 0 ? -1 : rc;
}

int demo_seed(db_t *db, char *admin_password, size_t cap, char **err)
{
	if (db_kind(db) == DB_POSTGRES && admin_password && cap >= 17)
		return seed_by_copy(db, admin_password, cap, err);
	return seed_here(db, admin_password, cap, err);
}
