/*
 * i18n.js -- the UI's two languages.  Chinese is the default; the choice of
 * English is remembered in localStorage.  t(key, params) looks a key up in
 * the current language, falls back to Chinese, then to the key itself, and
 * fills {name} placeholders from params.
 */

const STORE_KEY = 'zoneops.lang';

const zh = {
  'app.name': '开发区运营管理平台',
  'app.short': 'zoneops',
  'app.loading': '正在加载…',

  'login.title': '用户登录',
  'login.subtitle': '赛马招商 · 企业服务 · 政策推送 · 指标评估',
  'login.username': '用户名',
  'login.password': '密码',
  'login.submit': '登录',
  'login.busy': '正在登录…',
  'login.expired': '登录已失效，请重新登录。',
  'login.loggedOut': '您已安全退出。',
  'login.footer': '本系统仅供授权人员使用，所有操作均记录审计日志。',

  'top.menu': '菜单',
  'top.logout': '退出',
  'top.lang': 'English',
  'top.langTitle': 'Switch to English',

  'nav.group.work': '业务模块',
  'nav.group.admin': '系统管理',
  'nav.overview': '首页',
  'nav.race': '赛马招商',
  'nav.enterprises': '企业服务',
  'nav.requests': '诉求办理',
  'nav.policies': '政策推送',
  'nav.indicators': '指标评估',
  'nav.land': '亩均效益',
  'nav.inspections': '营商环境巡察',
  'nav.kiosk': '自助服务',
  'nav.users': '用户管理',
  'nav.audit': '审计日志',
  'nav.settings': '系统设置',

  'role.admin': '系统管理员',
  'role.leader': '区领导',
  'role.recruiter': '招商人员',
  'role.officer': '首席服务员',
  'role.department': '部门/街道',
  'role.statistician': '统计人员',
  'role.enterprise': '企业用户',

  'common.all': '全部',
  'common.search': '查询',
  'common.reset': '重置',
  'common.save': '保存',
  'common.saving': '正在保存…',
  'common.saved': '已保存',
  'common.cancel': '取消',
  'common.edit': '编辑',
  'common.delete': '删除',
  'common.confirm': '确定',
  'common.create': '新建',
  'common.actions': '操作',
  'common.none': '—',
  'common.empty': '暂无数据',
  'common.loading': '正在加载…',
  'common.retry': '重试',
  'common.prev': '上一页',
  'common.next': '下一页',
  'common.pageInfo': '共 {total} 条，第 {page} / {pages} 页',
  'common.yes': '是',
  'common.no': '否',
  'common.loadError': '数据加载失败',
  'common.noPermission': '您没有权限查看此页面。',
  'common.notFound': '页面不存在',
  'common.forbidden': '无权访问',
  'common.notFoundText': '没有找到这个页面，请从左侧导航选择模块。',
  'common.apiMissing': '服务器尚未提供本模块的接口（{path}）。',

  'wip.badge': '本模块建设中',
  'wip.lead': '本模块正在建设，上线后将提供以下功能：',
  'wip.note': '当前不展示任何示例数据；接口就绪后本页面将直接显示真实数据。',

  'overview.title': '首页',
  'overview.subtitle': '全区企业、项目与服务力量总览',
  'overview.enterprises': '企业总数',
  'overview.key_enterprises': '重点企业',
  'overview.projects': '招商项目',
  'overview.major_projects': '重大项目',
  'overview.officers': '首席服务员',
  'overview.users': '系统用户',
  'overview.unitEnterprise': '家',
  'overview.unitProject': '个',
  'overview.unitPerson': '人',
  'overview.byStage': '项目分阶段统计',
  'overview.byStageHint': '有效信息 → 洽谈 → 签约 → 落地 → 开工 → 投产',
  'overview.count': '项目数',
  'overview.quick': '快捷入口',
  'overview.byUnit': '赛马榜 · 各招商单位项目',
  'overview.byUnitHint': '总投资（亿元）· 查看挂图 →',

  'stage.lead': '有效信息',
  'stage.negotiating': '洽谈',
  'stage.signed': '签约',
  'stage.landed': '落地',
  'stage.started': '开工',
  'stage.producing': '投产',

  'race.title': '赛马招商 · 挂图作战',
  'race.subtitle': '“4+2”招商单位全部项目按阶段挂图，重大项目（≥10亿元）标红',
  'race.unit': '招商单位',
  'race.allUnits': '全部单位',
  'race.projects': '项目数',
  'race.investment': '总投资',
  'race.investmentYi': '总投资（亿元）',
  'race.major': '重大项目',
  'race.majorBadge': '重大',
  'race.yi': '亿元',
  'race.foreign': '外资',
  'race.yiUsd': '亿美元',
  'race.signedOn': '签约',
  'race.emptyColumn': '暂无项目',
  'race.truncated': '仅显示前 {n} 个项目（共 {total} 个）。',

  'ent.title': '企业服务',
  'ent.subtitle': '企业名录与“双挂钩”（首席服务员 · 部门 · 街道）',
  'ent.q': '企业名称 / 信用代码',
  'ent.street': '街道',
  'ent.allStreets': '全部街道',
  'ent.key': '企业类别',
  'ent.keyOnly': '仅重点企业',
  'ent.nonKey': '非重点企业',
  'ent.creditCode': '统一社会信用代码',
  'ent.name': '企业名称',
  'ent.industry': '行业',
  'ent.keyBadge': '重点',
  'ent.officer': '首席服务员',
  'ent.department': '挂钩部门',

  'ind.title': '指标评估',
  'ind.subtitle': '全市各区主要经济指标月度累计、同比增长与位次',
  'ind.year': '年份',
  'ind.month': '月份',
  'ind.period': '{year}年1-{month}月累计',
  'ind.region': '地区',
  'ind.value': '累计',
  'ind.prev': '上年同期',
  'ind.growthRank': '增幅位次',
  'ind.growth': '同比增长',
  'ind.rank': '位次',
  'ind.zone': '本区',
  'ind.none': '该月暂无指标数据。',
  'ind.budget_revenue': '一般公共预算收入',
  'ind.tax_revenue': '税收',
  'ind.industrial_sales': '工业应税销售',
  'ind.service_sales': '服务业应税销售',
  'ind.fdi': '实际利用外资',
  'ind.trade_total': '进出口总额',
  'ind.unit.yi': '亿元',
  'ind.unit.yiUsd': '亿美元',
  'ind.summary': '{name}{value}{unit}，增长{growth}，总量列第{rank}位，增幅列第{grank}位。',

  'users.title': '用户管理',
  'users.subtitle': '账号、角色与所属单位',
  'users.new': '新建用户',
  'users.edit': '编辑用户',
  'users.username': '用户名',
  'users.display_name': '姓名',
  'users.role': '角色',
  'users.password': '密码',
  'users.passwordKeep': '留空则不修改',
  'users.passwordHint': '至少 8 位',
  'users.unit_id': '招商单位',
  'users.enterprise_id': '企业',
  'users.department_id': '部门',
  'users.created_at': '创建时间',
  'users.belongs': '所属单位 / 部门 / 企业',
  'users.noUnit': '（不属于招商单位）',
  'users.noDepartment': '（请选择部门）',
  'users.deleteConfirm': '确定删除用户“{name}”吗？此操作不可撤销。',
  'users.created': '用户已创建',
  'users.updated': '用户已更新',
  'users.deleted': '用户已删除',
  'users.search': '用户名 / 姓名',

  'audit.title': '审计日志',
  'audit.subtitle': '所有写操作与登录记录',
  'audit.at': '时间',
  'audit.user': '用户',
  'audit.action': '操作',
  'audit.entity': '对象',
  'audit.status': '结果',
  'audit.detail': '详情',
  'audit.ip': 'IP 地址',
  'audit.filterEntity': '对象类型',
  'audit.filterUser': '用户名',

  'settings.title': '系统设置',
  'settings.subtitle': '开发区名称与所在城市',
  'settings.zone_name': '开发区名称（中文）',
  'settings.zone_name_en': '开发区名称（英文）',
  'settings.city_name': '所在城市',

  'err.invalid_credentials': '用户名或密码错误。',
  'err.too_many_attempts': '登录失败次数过多，请一分钟后再试。',
  'err.csrf_failed': '安全校验失败，请刷新页面后重试。',
  'err.network': '无法连接服务器，请检查网络。',
  'err.forbidden': '没有权限执行此操作。',
  'err.busy': '服务器繁忙，请稍后重试。',
  'err.required': '此项必填',
  'err.self_delete': '不能删除自己的账号。',
  'err.self_demotion': '不能取消自己的管理员角色。',
  'err.generic': '操作失败（{status}）：{message}',

  // Module descriptions for pages still under construction (from the brief).
  'wip.race.lead': '赛马制招商：“4+2”招商单位按月比拼，挂图作战。',
  'wip.race.items': '有效信息与项目分阶段登记：有效信息 → 洽谈 → 签约 → 落地 → 开工 → 投产|总投资（亿元）、实际利用外资（亿美元），≥10亿元为重大项目|外出招商：招商人员每月在外≥15天，分管领导每月≥5次走访|各单位按月排名：信息最多、签约落地最快、项目最大最优',
  'wip.enterprises.lead': '企业名录（统一社会信用代码校验）与重点企业“双挂钩”。',
  'wip.enterprises.items': '企业登记与统一社会信用代码校验|重点企业配备首席服务员、挂钩部门与街道|企业大走访记录|企业诉求的提出与跟踪',
  'wip.indicators.lead': '全市各区主要经济指标月度累计评估。',
  'wip.indicators.items': '一般公共预算收入、税收、工业/服务业应税销售、实际利用外资、进出口总额|同比增长、税占比、总量与增幅位次|年度目标完成进度与图表|自动生成向领导和媒体通报的文字段落',
  'wip.requests.lead': '企业提出的诉求（用工、用地、审批、融资、子女入学、通关等）全流程跟踪办理。',
  'wip.requests.items': '诉求登记与分派到部门、街道|办理时限与超期提醒（超期标红）|逐级联系：区 → 市 → 省升级|办结反馈与企业满意度评价（1–5 分）|“有求必应、说到做到”量化：走访企业数、解决问题数、办理时长、满意度',
  'wip.policies.lead': '免审即享：政策带有可计算的适用条件和兑现公式，平台主动找出符合条件的企业。',
  'wip.policies.items': '政策条款的适用规则与兑现金额公式|依据平台已有数据自动匹配全部符合条件的企业|计算应享金额并说明依据|推送到企业门户消息箱，无需申请',
  'wip.land.lead': '空间再造：土地地块（亩）、用地企业、亩均税收与亩均产出。',
  'wip.land.items': '地块台账与使用企业|亩均税收、亩均产出计算|企业 A/B/C/D 分类评价|低效用地清单|腾退项目跟踪至新用途',
  'wip.inspections.lead': '营商环境专项巡察发现的问题及整改跟踪。',
  'wip.inspections.items': '巡察发现问题登记|明确责任部门与整改期限|整改进度与状态，逾期标红|整改销号与复查',
  'wip.kiosk.lead': '24小时政务服务自助区：企业门户的自助终端模式，无需工作人员在场。',
  'wip.kiosk.items': '企业自助提交诉求|查询诉求办理进度|阅读推送给本企业的政策|大字号、触屏友好的自助界面',
};

const en = {
  'app.name': 'Development Zone Operations',
  'app.short': 'zoneops',
  'app.loading': 'Loading…',

  'login.title': 'Sign in',
  'login.subtitle': 'Investment race · enterprise service · policies · indicators',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.busy': 'Signing in…',
  'login.expired': 'Your session has ended; please sign in again.',
  'login.loggedOut': 'You have signed out.',
  'login.footer': 'For authorised staff only. Every action is recorded in the audit log.',

  'top.menu': 'Menu',
  'top.logout': 'Sign out',
  'top.lang': '中文',
  'top.langTitle': '切换到中文',

  'nav.group.work': 'Modules',
  'nav.group.admin': 'Administration',
  'nav.overview': 'Overview',
  'nav.race': 'Investment race',
  'nav.enterprises': 'Enterprise service',
  'nav.requests': 'Requests',
  'nav.policies': 'Policies',
  'nav.indicators': 'Indicators',
  'nav.land': 'Land efficiency',
  'nav.inspections': 'Inspections',
  'nav.kiosk': 'Self-service kiosk',
  'nav.users': 'Users',
  'nav.audit': 'Audit log',
  'nav.settings': 'Settings',

  'role.admin': 'Administrator',
  'role.leader': 'Leader',
  'role.recruiter': 'Recruiter',
  'role.officer': 'Service officer',
  'role.department': 'Department / street',
  'role.statistician': 'Statistician',
  'role.enterprise': 'Enterprise',

  'common.all': 'All',
  'common.search': 'Search',
  'common.reset': 'Reset',
  'common.save': 'Save',
  'common.saving': 'Saving…',
  'common.saved': 'Saved',
  'common.cancel': 'Cancel',
  'common.edit': 'Edit',
  'common.delete': 'Delete',
  'common.confirm': 'OK',
  'common.create': 'New',
  'common.actions': 'Actions',
  'common.none': '—',
  'common.empty': 'No data',
  'common.loading': 'Loading…',
  'common.retry': 'Retry',
  'common.prev': 'Previous',
  'common.next': 'Next',
  'common.pageInfo': '{total} in all, page {page} of {pages}',
  'common.yes': 'Yes',
  'common.no': 'No',
  'common.loadError': 'Could not load the data',
  'common.noPermission': 'You are not allowed to see this page.',
  'common.notFound': 'Page not found',
  'common.forbidden': 'Not allowed',
  'common.notFoundText': 'There is no such page; choose a module on the left.',
  'common.apiMissing': 'The server does not offer this module\'s API yet ({path}).',

  'wip.badge': 'Under construction',
  'wip.lead': 'This module is being built. When it is ready it will:',
  'wip.note': 'No sample data is shown; this page will show real data as soon as its API exists.',

  'overview.title': 'Overview',
  'overview.subtitle': 'Enterprises, projects and service staff of the zone',
  'overview.enterprises': 'Enterprises',
  'overview.key_enterprises': 'Key enterprises',
  'overview.projects': 'Projects',
  'overview.major_projects': 'Major projects',
  'overview.officers': 'Service officers',
  'overview.users': 'Users',
  'overview.unitEnterprise': '',
  'overview.unitProject': '',
  'overview.unitPerson': '',
  'overview.byStage': 'Projects by stage',
  'overview.byStageHint': 'lead → negotiating → signed → landed → started → producing',
  'overview.count': 'Projects',
  'overview.quick': 'Shortcuts',
  'overview.byUnit': 'Race · projects by unit',
  'overview.byUnitHint': 'total investment (×100m CNY) · battle board →',

  'stage.lead': 'Lead',
  'stage.negotiating': 'Negotiating',
  'stage.signed': 'Signed',
  'stage.landed': 'Landed',
  'stage.started': 'Started',
  'stage.producing': 'Producing',

  'race.title': 'Investment race · battle board',
  'race.subtitle': 'Every project of the “4+2” units by stage; major projects (≥ ¥1bn) in red',
  'race.unit': 'Unit',
  'race.allUnits': 'All units',
  'race.projects': 'Projects',
  'race.investment': 'Total investment',
  'race.investmentYi': 'Investment (×100m CNY)',
  'race.major': 'Major projects',
  'race.majorBadge': 'Major',
  'race.yi': '×100m CNY',
  'race.foreign': 'Foreign',
  'race.yiUsd': '×100m USD',
  'race.signedOn': 'Signed',
  'race.emptyColumn': 'No projects',
  'race.truncated': 'Showing the first {n} of {total} projects.',

  'ent.title': 'Enterprise service',
  'ent.subtitle': 'Enterprise registry and links to officer, department and street',
  'ent.q': 'Name / credit code',
  'ent.street': 'Street',
  'ent.allStreets': 'All streets',
  'ent.key': 'Category',
  'ent.keyOnly': 'Key enterprises',
  'ent.nonKey': 'Other enterprises',
  'ent.creditCode': 'Unified social credit code',
  'ent.name': 'Name',
  'ent.industry': 'Industry',
  'ent.keyBadge': 'Key',
  'ent.officer': 'Service officer',
  'ent.department': 'Department',

  'ind.title': 'Indicators',
  'ind.subtitle': 'Cumulative monthly indicators of the city\'s districts, growth and rank',
  'ind.year': 'Year',
  'ind.month': 'Month',
  'ind.period': 'January–{month}/{year}, cumulative',
  'ind.region': 'Region',
  'ind.value': 'Cumulative',
  'ind.prev': 'Last year',
  'ind.growthRank': 'Growth rank',
  'ind.growth': 'Growth',
  'ind.rank': 'Rank',
  'ind.zone': 'Zone',
  'ind.none': 'No indicators for this month.',
  'ind.budget_revenue': 'Budget revenue',
  'ind.tax_revenue': 'Tax revenue',
  'ind.industrial_sales': 'Industrial taxable sales',
  'ind.service_sales': 'Service taxable sales',
  'ind.fdi': 'Utilised foreign investment',
  'ind.trade_total': 'Trade total',
  'ind.unit.yi': '×100m CNY',
  'ind.unit.yiUsd': '×100m USD',
  'ind.summary': '{name}: {value} {unit}, growth {growth}; rank {rank} by total, {grank} by growth.',

  'users.title': 'Users',
  'users.subtitle': 'Accounts, roles and what they belong to',
  'users.new': 'New user',
  'users.edit': 'Edit user',
  'users.username': 'Username',
  'users.display_name': 'Display name',
  'users.role': 'Role',
  'users.password': 'Password',
  'users.passwordKeep': 'leave empty to keep',
  'users.passwordHint': 'at least 8 characters',
  'users.unit_id': 'Investment unit',
  'users.enterprise_id': 'Enterprise',
  'users.department_id': 'Department',
  'users.created_at': 'Created',
  'users.belongs': 'Unit / department / enterprise',
  'users.noUnit': '(no investment unit)',
  'users.noDepartment': '(choose a department)',
  'users.deleteConfirm': 'Delete the user “{name}”? This cannot be undone.',
  'users.created': 'User created',
  'users.updated': 'User updated',
  'users.deleted': 'User deleted',
  'users.search': 'Username / name',

  'audit.title': 'Audit log',
  'audit.subtitle': 'Every write and every sign-in',
  'audit.at': 'Time',
  'audit.user': 'User',
  'audit.action': 'Action',
  'audit.entity': 'Entity',
  'audit.status': 'Status',
  'audit.detail': 'Detail',
  'audit.ip': 'IP address',
  'audit.filterEntity': 'Entity',
  'audit.filterUser': 'Username',

  'settings.title': 'Settings',
  'settings.subtitle': 'Name of the zone and its city',
  'settings.zone_name': 'Zone name (Chinese)',
  'settings.zone_name_en': 'Zone name (English)',
  'settings.city_name': 'City',

  'err.invalid_credentials': 'Wrong username or password.',
  'err.too_many_attempts': 'Too many failed sign-ins; wait a minute and try again.',
  'err.csrf_failed': 'The security check failed; reload the page and try again.',
  'err.network': 'Cannot reach the server.',
  'err.forbidden': 'You are not allowed to do this.',
  'err.busy': 'The server is busy; try again shortly.',
  'err.required': 'Required',
  'err.self_delete': 'You cannot delete your own account.',
  'err.self_demotion': 'You cannot take the admin role from yourself.',
  'err.generic': 'Failed ({status}): {message}',

  'wip.race.lead': 'Horse-race investment attraction: the “4+2” units compete every month on the battle board.',
  'wip.race.items': 'Leads and projects by stage: lead → negotiating → signed → landed → started → producing|Total investment and foreign investment; major projects are ≥ ¥1bn|Trips: recruiters ≥ 15 days out a month, leaders ≥ 5 visits a month|Monthly ranking of the units',
  'wip.enterprises.lead': 'Enterprise registry (validated credit codes) and the links of key enterprises.',
  'wip.enterprises.items': 'Register enterprises and validate the unified social credit code|Pair key enterprises with an officer, a department and a street|Record visits|Raise and track requests',
  'wip.indicators.lead': 'Monthly evaluation of the city\'s districts on the main indicators.',
  'wip.indicators.items': 'Budget revenue, tax, industrial and service taxable sales, foreign investment, trade|Growth, tax share, rank by total and by growth|Progress against annual targets, with charts|The report paragraph for leaders and the press',
  'wip.requests.lead': 'Problems raised by enterprises (labour, land, approvals, financing, schooling, customs, …) tracked to the end.',
  'wip.requests.items': 'Register requests and assign them to departments and streets|Deadlines, with overdue requests in red|Escalation: district → city → province|Resolution and the enterprise\'s satisfaction rating (1–5)|Measures: enterprises visited, problems resolved, time to resolve, satisfaction',
  'wip.policies.lead': 'Policies without application: machine-readable eligibility rules and benefit formulas.',
  'wip.policies.items': 'Eligibility rules and benefit formulas per policy|Find every eligible enterprise from data already held|Compute the benefit and explain why|Push it to the enterprise\'s portal inbox, no application form',
  'wip.land.lead': 'Land and space regeneration: plots in mu, who uses them, tax and output per mu.',
  'wip.land.items': 'Land plots and the enterprises using them|Tax and output per mu|A/B/C/D classification of enterprises|List of low-efficiency land|Vacating projects through to their new use',
  'wip.inspections.lead': 'Findings of business-environment inspections and their rectification.',
  'wip.inspections.items': 'Record inspection findings|Responsible department and rectification deadline|Progress and status, overdue in red|Close and re-check findings',
  'wip.kiosk.lead': '24-hour self-service: the enterprise portal in kiosk mode, without staff present.',
  'wip.kiosk.items': 'Enterprises submit problems themselves|Follow a problem\'s progress|Read the policies pushed to the enterprise|Large, touch-friendly screens',
};

const dicts = { zh, en };
const listeners = new Set();

function stored() {
  try {
    return localStorage.getItem(STORE_KEY);
  } catch {
    return null;
  }
}

let lang = stored() === 'en' ? 'en' : 'zh';

export function getLang() {
  return lang;
}

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'zh';
  try {
    if (lang === 'zh')
      localStorage.removeItem(STORE_KEY);
    else
      localStorage.setItem(STORE_KEY, lang);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const fn of listeners)
    fn(lang);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function has(key) {
  return key in dicts[lang] || key in zh;
}

export function t(key, params) {
  let s = dicts[lang][key];
  if (s === undefined)
    s = zh[key];
  if (s === undefined)
    return key;
  if (params)
    s = s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
  return s;
}

/* Number formatting in the current language. */
export function num(v, digits) {
  if (v === null || v === undefined || v === '' || Number.isNaN(Number(v)))
    return t('common.none');
  const opts = digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits };
  return Number(v).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US', opts);
}

document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
