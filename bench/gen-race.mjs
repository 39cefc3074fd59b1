#!/usr/bin/env node
// bench/gen-race.mjs -- write CSV files of realistic (fictitious) race data
// (赛马制招商: leads, projects, trips, and the leaders and recruiters behind
// them) for the race benchmark (bench/race.sh).  Node only, no npm
// dependencies.
//
//   node bench/gen-race.mjs --out DIR [--units 1,2,3,4,5,6] [--leads 1000000]
//        [--projects 200000] [--trips 500000] [--recruiters 50] [--user-base 1001]
//        [--from 2020-01-01] [--to 2024-12-31] [--seed 1]
//
// Writes DIR/users.csv, DIR/leads.csv, DIR/projects.csv, DIR/trips.csv: UTF-8,
// "\n" line ends, one header line of column names of the tables of migrations
// 1, 2 and 6 (src/store/migrate.c), every row with an explicit id, so that
// the files load as they are with
//   psql:    \copy leads (HEADER COLUMNS) FROM 'leads.csv' WITH (FORMAT csv, HEADER true)
//   sqlite3: .import --csv leads.csv stage   then INSERT INTO leads (...) SELECT ... FROM stage
// A NULL is an empty unquoted field (psql reads it as NULL; with sqlite3 use
// NULLIF(col, '')); an empty string is written "" (both read it as '').
// No other field is quoted: names hold no comma, quote or line break.
//
// What the data looks like (the output depends only on the options):
// - units: the ids given by --units (the six "4+2" units); each has a leader
//   and --recruiters recruiters (users.csv, ids from --user-base, role leader /
//   recruiter, password_hash '!' -- nobody can log in as them);
// - leads: captured on days from --from to --to (fewer at weekends, growing
//   over the years), ids in the order of capture (created_at grows with the
//   id: the first claim is the smaller id); units of different strength with a
//   monthly swing; 62% qualified, 28% rejected, 10% pending (most of the last
//   month's leads still pending); about 4% are the same company claimed
//   again by another unit (a variant of the name: spaces, brackets, another
//   suffix; the same company_key and credit code; duplicate_of = the first
//   claim), and a company claimed again by the same unit is not a duplicate;
// - projects: 90% come from a distinct qualified, non-duplicate lead of
//   their unit (lead_on = captured_on), the rest have no lead; the stage
//   follows the dates (signed_on > captured_on, landed_on > signed_on,
//   started_on > landed_on, producing_on > started_on, none after --to);
//   total investment log-normal around 2亿, about 8% major (>= 10亿);
// - trips: the leaders make few trips (about 400 each over five years, 0-2
//   visits each), the recruiters share the rest; one person's trips never
//   overlap; 1-day trips, some of 2 days (a few across a month end); each
//   person has some "office months" with few days out, so quotas are not
//   all met.
import { openSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

// ---- deterministic random numbers (mulberry32) -------------------------

function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)); // inclusive
  const pick = (arr) => arr[Math.floor(next() * arr.length)];
  const lognormal = (mu, sigma) => {
    const u = 1 - next(), v = next();
    return Math.exp(mu + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  };
  return { next, int, pick, lognormal };
}

// ---- dates: day numbers since 1970-01-01 (UTC) -------------------------

const DAY = 86400;
const dayOf = (iso) => {
  const t = Date.parse(iso + 'T00:00:00Z');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso) || Number.isNaN(t)) throw new Error(`bad date ${iso}`);
  return t / 1000 / DAY;
};
const isoOf = (d) => new Date(d * DAY * 1000).toISOString().slice(0, 10);

// ---- unified social credit codes (GB 32100 / GB 11714), unique by counter

const USCC = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_W = [3, 7, 9, 10, 5, 8, 4, 2];
function creditCode(n) {
  let body = '';
  for (let i = 0; i < 8; i++) { body = USCC[n % 31] + body; n = Math.floor(n / 31); }
  let s = 0;
  for (let i = 0; i < 8; i++) s += parseInt(body[i], 36) * ORG_W[i];
  const oc = 11 - (s % 11);
  const first17 = '91320691' + body + (oc === 10 ? 'X' : oc === 11 ? '0' : String(oc));
  s = 0;
  for (let i = 0; i < 17; i++) s += USCC.indexOf(first17[i]) * USCC_W[i];
  const c = 31 - (s % 31);
  return first17 + USCC[c === 31 ? 0 : c];
}

// ---- names -------------------------------------------------------------

const PLACES = ['南通', '上海', '苏州', '无锡', '常州', '南京', '杭州', '宁波', '深圳', '广州', '北京', '天津',
  '合肥', '武汉', '成都', '重庆', '青岛', '厦门', '江苏', '浙江', '中山', '东莞', '佛山', '西安'];
const BRAND_CHARS = '恒瑞华鑫泰宏达盛通明远海天祥瑞安康凯博信德嘉隆丰源润新创科腾飞龙凤金银宝辉晨星光耀永旭东升中正和兴宇航汇聚力众启承峰'.split('');
const INDUSTRIES = [
  ['高端装备', '精密机械'], ['高端装备', '智能装备'], ['新材料', '新材料科技'], ['新材料', '高分子材料'],
  ['电子信息', '电子科技'], ['电子信息', '半导体'], ['生物医药', '生物医药'], ['生物医药', '医疗器械'],
  ['新能源', '新能源科技'], ['新能源', '储能技术'], ['汽车零部件', '汽车零部件'], ['船舶海工', '海洋工程'],
  ['现代物流', '供应链管理'], ['现代物流', '国际物流'], ['软件和信息服务', '软件'], ['软件和信息服务', '数据科技'],
  ['金融服务', '股权投资'], ['商务服务', '企业管理咨询'], ['文化旅游', '文化传媒'], ['检验检测', '检测技术'],
];
const SUFFIXES = ['有限公司', '有限公司', '有限公司', '股份有限公司', '科技有限公司', '有限责任公司'];
const SURNAMES = '张王李赵刘陈杨黄周吴徐孙朱马胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'.split('');
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红波辉玲鹏飞斌宇浩凯晨欣怡雪峰海燕婷亮宁春兰'.split('');
const DESTINATIONS = ['上海', '深圳', '苏州', '北京', '杭州', '广州', '南京', '无锡', '宁波', '合肥', '武汉', '成都',
  '东京', '首尔', '新加坡', '法兰克福', '香港', '台北', '常州', '青岛'];

// ---- CSV output ------------------------------------------------------

class Out {
  constructor(path, header) {
    this.fd = openSync(path, 'w');
    this.buf = [header.join(',')];
    this.len = 0;
    this.rows = 0;
  }
  row(fields) {
    this.buf.push(fields.join(','));
    this.rows++;
    if (this.buf.length >= 20000) this.flush();
  }
  flush() {
    if (this.buf.length) writeSync(this.fd, this.buf.join('\n') + '\n');
    this.buf = [];
  }
  close() { this.flush(); closeSync(this.fd); }
}
const Q = (s) => (s === '' ? '""' : s); // a NOT NULL text column: "" for the empty string
const N = (v) => (v === null || v === undefined ? '' : String(v)); // a nullable column: empty = NULL

// ---- options -------------------------------------------------------------

function usage(code) {
  process.stderr.write('usage: node bench/gen-race.mjs --out DIR [--units 1,2,3,4,5,6] [--leads N] [--projects N]\n' +
    '         [--trips N] [--recruiters N] [--user-base ID] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--seed N]\n');
  process.exit(code);
}

function parse(argv) {
  const o = { out: '', units: [1, 2, 3, 4, 5, 6], leads: 1000000, projects: 200000, trips: 500000,
    recruiters: 50, userBase: 1001, from: '2020-01-01', to: '2024-12-31', seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(2); return argv[++i]; };
    const num = (lo, hi) => {
      const v = val();
      if (!/^\d+$/.test(v) || +v < lo || +v > hi) { process.stderr.write(`gen-race: ${a} must be ${lo}..${hi}\n`); process.exit(2); }
      return +v;
    };
    if (a === '--out') o.out = val();
    else if (a === '--units') {
      o.units = val().split(',').map(Number);
      if (!o.units.length || o.units.some((u) => !Number.isInteger(u) || u < 1)) usage(2);
    } else if (a === '--leads') o.leads = num(1, 10000000);
    else if (a === '--projects') o.projects = num(0, 5000000);
    else if (a === '--trips') o.trips = num(0, 10000000);
    else if (a === '--recruiters') o.recruiters = num(1, 10000);
    else if (a === '--user-base') o.userBase = num(1, 1e12);
    else if (a === '--from') o.from = val();
    else if (a === '--to') o.to = val();
    else if (a === '--seed') o.seed = num(0, 2 ** 31);
    else if (a === '-h' || a === '--help') usage(0);
    else usage(2);
  }
  if (!o.out) usage(2);
  return o;
}

// ---- main ------------------------------------------------------------------

function main(o) {
  const r = rng(o.seed);
  const D0 = dayOf(o.from), D1 = dayOf(o.to);
  if (D1 < D0 + 60) throw new Error('--to must be at least 60 days after --from');
  const NDAYS = D1 - D0 + 1;
  const NU = o.units.length;
  mkdirSync(o.out, { recursive: true });
  const ISO = [];                       // day index (from D0) -> 'YYYY-MM-DD'
  for (let d = 0; d < NDAYS; d++) ISO.push(isoOf(D0 + d));
  const monthIdx = new Int32Array(NDAYS); // day index -> month number since the first month
  {
    const y0 = +ISO[0].slice(0, 4), m0 = +ISO[0].slice(5, 7);
    for (let d = 0; d < NDAYS; d++) monthIdx[d] = (+ISO[d].slice(0, 4) - y0) * 12 + (+ISO[d].slice(5, 7) - m0);
  }
  const NMONTHS = monthIdx[NDAYS - 1] + 1;
  const now = Math.floor(Date.parse(o.to + 'T12:00:00Z') / 1000) + 30 * DAY;

  // ---- users: one leader and o.recruiters recruiters per unit --------------
  const users = new Out(join(o.out, 'users.csv'),
    ['id', 'username', 'display_name', 'role', 'password_hash', 'unit_id', 'created_at', 'updated_at']);
  const leaderOf = [], recruitersOf = [], people = []; // people: {id, role, unit}
  let uid = o.userBase;
  const personName = () => r.pick(SURNAMES) + r.pick(GIVEN) + (r.next() < 0.6 ? r.pick(GIVEN) : '');
  const t0 = (D0 - 30) * DAY;
  for (let k = 0; k < NU; k++) {
    leaderOf[k] = uid;
    people.push({ id: uid, role: 'leader', unit: k });
    users.row([uid, `bench.leader.${o.units[k]}`, personName(), 'leader', '!', o.units[k], t0, t0]);
    uid++;
    recruitersOf[k] = [];
    for (let j = 0; j < o.recruiters; j++) {
      recruitersOf[k].push(uid);
      people.push({ id: uid, role: 'recruiter', unit: k });
      users.row([uid, `bench.rec.${o.units[k]}.${j + 1}`, personName(), 'recruiter', '!', o.units[k], t0, t0]);
      uid++;
    }
  }
  users.close();

  // ---- leads -------------------------------------------------------------------
  // Days: weekday weight 1, weekend 0.25, a trend from 1 to 1.6 over the range.
  const dayW = new Float64Array(NDAYS);
  let wsum = 0;
  for (let d = 0; d < NDAYS; d++) {
    const wd = new Date((D0 + d) * DAY * 1000).getUTCDay();
    dayW[d] = (wd === 0 || wd === 6 ? 0.25 : 1) * (1 + 0.6 * d / NDAYS);
    wsum += dayW[d];
  }
  // exact count per day (largest remainder), so the leads come out sorted by day
  const perDay = new Int32Array(NDAYS);
  {
    let given = 0;
    const rem = [];
    for (let d = 0; d < NDAYS; d++) {
      const x = o.leads * dayW[d] / wsum;
      perDay[d] = Math.floor(x);
      given += perDay[d];
      rem.push([x - perDay[d] + r.next() * 1e-9, d]);
    }
    rem.sort((a, b) => b[0] - a[0]);
    for (let i = 0; given < o.leads; i++, given++) perDay[rem[i % NDAYS][1]]++;
  }
  // unit strength with a monthly swing
  const BASE = [0.24, 0.20, 0.15, 0.13, 0.16, 0.12];
  const unitCum = []; // per month: cumulative weights over units
  for (let m = 0; m < NMONTHS; m++) {
    const c = [];
    let s = 0;
    for (let k = 0; k < NU; k++) { s += (BASE[k % BASE.length]) * (0.7 + 0.6 * r.next()); c.push(s); }
    unitCum.push(c.map((x) => x / s));
  }
  const pickUnit = (m) => { const x = r.next(), c = unitCum[m]; let k = 0; while (k < NU - 1 && x >= c[k]) k++; return k; };

  const NL = o.leads;
  const leadUnit = new Uint8Array(NL + 1), leadDay = new Int32Array(NL + 1), leadRec = new Int32Array(NL + 1);
  const leadInd = new Uint8Array(NL + 1), leadEst = new Float64Array(NL + 1);
  const leadOk = new Uint8Array(NL + 1); // 1: qualified and not a duplicate
  const keyOwner = new Map();            // company_key -> [first lead id, unit, credit code]
  const leadKey = new Array(NL + 1);
  const leads = new Out(join(o.out, 'leads.csv'),
    ['id', 'unit_id', 'recruiter_id', 'company', 'company_key', 'credit_code', 'industry', 'est_investment_wan',
      'captured_on', 'status', 'duplicate_of', 'notes', 'created_by', 'created_at', 'updated_at']);
  let id = 0, codes = 1000, ndup = 0, nqual = 0;
  const lastMonthStart = D1 - 30;
  for (let d = 0; d < NDAYS; d++) {
    const n = perDay[d], m = monthIdx[d];
    for (let i = 0; i < n; i++) {
      id++;
      const createdAt = (D0 + d) * DAY + 3600 + Math.floor(i * 36000 / n); // 09:00-19:00 +08:00, growing with id
      let unit = pickUnit(m), company, key, code = '', dupOf = null, ind;
      if (id > 1000 && r.next() < 0.04) {
        // the same company claimed by another unit: a variant of an earlier
        // lead's name (one of the last ~50,000 leads)
        const j = id - 1 - Math.floor(r.next() * Math.min(id - 1, 50000));
        const own = keyOwner.get(leadKey[j]);
        if (NU > 1) while (unit === own[1]) unit = pickUnit(m);
        key = leadKey[j];
        ind = leadInd[j];
        code = own[2];
        const v = r.int(0, 3);
        company = v === 0 ? key.slice(0, 2) + ' ' + key.slice(2) + '有限公司'
          : v === 1 ? key + '（' + r.pick(PLACES) + '）有限公司'
            : v === 2 ? key + '股份有限公司' : key + ' 有限公司';
        if (unit !== own[1]) { dupOf = own[0]; ndup++; }
      } else {
        const ii = r.int(0, INDUSTRIES.length - 1);
        ind = ii;
        key = r.pick(PLACES) + r.pick(BRAND_CHARS) + r.pick(BRAND_CHARS) + (r.next() < 0.9 ? r.pick(BRAND_CHARS) : '') +
          INDUSTRIES[ii][1];
        company = key + r.pick(SUFFIXES);
        const own = keyOwner.get(key);
        if (own) { // the same name came up again: the same company
          code = own[2];
          ind = leadInd[own[0]];
          if (own[1] !== unit) { dupOf = own[0]; ndup++; }
        } else {
          code = r.next() < 0.7 ? creditCode(codes++) : '';
          keyOwner.set(key, [id, unit, code]);
        }
      }
      leadKey[id] = key;
      const rec = r.next() < 0.05 ? leaderOf[unit] : r.pick(recruitersOf[unit]);
      const est = Math.max(100, Math.round(r.lognormal(Math.log(20000), 1.1) / 100) * 100);
      let status;
      const x = r.next();
      if (d >= lastMonthStart - D0) status = x < 0.6 ? 'pending' : x < 0.85 ? 'qualified' : 'rejected';
      else status = x < 0.62 ? 'qualified' : x < 0.9 ? 'rejected' : 'pending';
      leadUnit[id] = unit; leadDay[id] = d; leadRec[id] = rec; leadInd[id] = ind; leadEst[id] = est;
      if (status === 'qualified' && dupOf === null) { leadOk[id] = 1; nqual++; }
      const updatedAt = status === 'pending' ? createdAt : createdAt + r.int(1, 10) * DAY;
      leads.row([id, o.units[unit], rec, company, key, Q(code), INDUSTRIES[ind][0], est, ISO[d], status, N(dupOf),
        Q(''), rec, createdAt, Math.min(updatedAt, now)]);
    }
  }
  leads.close();
  keyOwner.clear();

  // ---- projects ----------------------------------------------------------------
  const projects = new Out(join(o.out, 'projects.csv'),
    ['id', 'name', 'unit_id', 'recruiter_id', 'enterprise_id', 'industry', 'stage', 'total_investment_wan',
      'foreign_investment_wan_usd', 'lead_on', 'signed_on', 'landed_on', 'started_on', 'producing_on',
      'created_at', 'updated_at', 'lead_id', 'land_mu', 'expected_annual_tax_wan']);
  // distinct eligible leads, in random order (partial Fisher-Yates)
  const eligible = new Int32Array(nqual);
  for (let i = 1, k = 0; i <= NL; i++) if (leadOk[i]) eligible[k++] = i;
  const withLead = Math.min(Math.round(o.projects * 0.9), nqual);
  for (let i = 0; i < withLead; i++) {
    const j = i + Math.floor(r.next() * (nqual - i));
    const t = eligible[i]; eligible[i] = eligible[j]; eligible[j] = t;
  }
  const chosen = eligible.subarray(0, withLead).slice().sort(); // in the order of the leads
  const LAST = NDAYS - 1;
  const stageCount = { lead: 0, negotiating: 0, signed: 0, landed: 0, started: 0, producing: 0 };
  let nmajor = 0;
  for (let p = 1; p <= o.projects; p++) {
    let unit, rec, ind, day0, lead = null, est;
    if (p <= withLead) {
      lead = chosen[p - 1];
      unit = leadUnit[lead]; rec = leadRec[lead]; ind = leadInd[lead]; day0 = leadDay[lead]; est = leadEst[lead];
    } else {
      unit = pickUnit(r.int(0, NMONTHS - 1));
      rec = r.pick(recruitersOf[unit]);
      ind = r.int(0, INDUSTRIES.length - 1);
      day0 = r.int(0, LAST - 1);
      est = r.lognormal(Math.log(20000), 1.1);
    }
    const total = Math.max(100, Math.round(est * (0.6 + 0.9 * r.next()) / 100) * 100);
    if (total >= 100000) nmajor++;
    // how far it gets, then the dates; a date after --to stops it there
    const x = r.next();
    const want = x < 0.06 ? 0 : x < 0.34 ? 1 : x < 0.52 ? 2 : x < 0.67 ? 3 : x < 0.81 ? 4 : 5;
    const dates = ['', '', '', ''];
    let stage = want === 0 ? 0 : 1, d = day0;
    const lags = [
      () => 1 + Math.min(1000, Math.round(r.lognormal(Math.log(80), 0.8))), // lead -> signed
      () => r.int(20, 240),  // signed -> landed
      () => r.int(10, 180),  // landed -> started
      () => r.int(90, 540),  // started -> producing
    ];
    for (let s = 2; s <= want; s++) {
      d += lags[s - 2]();
      if (d > LAST) break;
      dates[s - 2] = ISO[d];
      stage = s;
    }
    const stageName = ['lead', 'negotiating', 'signed', 'landed', 'started', 'producing'][stage];
    stageCount[stageName]++;
    const foreign = r.next() < 0.15 ? Math.round(total / 7.1 * (0.3 + 0.6 * r.next()) / 10) * 10 : 0;
    const services = ind >= 12;
    const landMu = services ? 0 : Math.round(total / 50 * (0.5 + r.next()) * 10) / 10;
    const tax = Math.round(total * (0.02 + 0.06 * r.next()));
    const name = (lead ? '' : r.pick(PLACES)) + r.pick(BRAND_CHARS) + r.pick(BRAND_CHARS) +
      INDUSTRIES[ind][1] + r.pick(['项目', '生产基地项目', '总部项目', '扩建项目', '研发中心项目']);
    const createdAt = (D0 + day0) * DAY + 7200 + r.int(0, 30000);
    const updatedAt = stage >= 2 ? Math.min((D0 + d) * DAY + 36000, now) : createdAt;
    projects.row([p, name, o.units[unit], rec, '', INDUSTRIES[ind][0], stageName, total, foreign, ISO[day0],
      Q(dates[0]), Q(dates[1]), Q(dates[2]), Q(dates[3]), createdAt, Math.max(createdAt, updatedAt), N(lead),
      landMu, tax]);
  }
  projects.close();

  // ---- trips ------------------------------------------------------------------------
  // Per person: n trips on B = n + k busy days (k trips of 2 days), never
  // overlapping; the free days go partly to a few "office months" (few days
  // out), the rest scattered.
  const NLEADER_TRIPS = 400;
  const recs = people.filter((q) => q.role === 'recruiter').length;
  const leaderTrips = Math.min(NLEADER_TRIPS, Math.floor(o.trips / (people.length * 2)));
  let left = o.trips - leaderTrips * NU;
  const perRec = Math.floor(left / recs);
  let extra = left - perRec * recs;
  const tUser = new Int32Array(o.trips), tStart = new Int32Array(o.trips), tLen = new Uint8Array(o.trips);
  const tVisits = new Uint8Array(o.trips);
  let nt = 0;
  const monthStart = []; // month -> first day index
  for (let d = 0; d < NDAYS; d++) if (d === 0 || monthIdx[d] !== monthIdx[d - 1]) monthStart.push(d);
  monthStart.push(NDAYS);
  const free = new Uint8Array(NDAYS);
  for (const person of people) {
    const n = person.role === 'leader' ? leaderTrips : perRec + (extra-- > 0 ? 1 : 0);
    if (n === 0) continue;
    if (n > NDAYS) throw new Error(`${n} trips for one person do not fit in ${NDAYS} days without overlap; ` +
      'use more --recruiters or fewer --trips');
    let k = Math.min(Math.round(n * (person.role === 'leader' ? 0.3 : 0.05)), Math.floor((NDAYS - n) * 0.6));
    const B = n + k;
    let F = NDAYS - B;
    free.fill(0);
    // office months: in each, all but 3-12 days free (capped by the budget)
    let office = Math.floor(F * (person.role === 'leader' ? 0.2 : 0.6));
    F -= office;
    for (let guard = 0; office > 0 && guard < 1000; guard++) {
      const m = r.int(0, NMONTHS - 1), a = monthStart[m], b = monthStart[m + 1];
      let want = Math.min(office, b - a - r.int(3, 12));
      for (let d = a; d < b && want > 0; d++) if (!free[d] && r.next() < 0.9) { free[d] = 1; want--; office--; }
    }
    F += office; // what could not go to office months is scattered
    while (F > 0) { const d = r.int(0, NDAYS - 1); if (!free[d]) { free[d] = 1; F--; } }
    // 2-day trips: k of the aligned pairs of consecutive busy days
    const cand = [];
    for (let d = 0; d < NDAYS;) {
      if (free[d]) { d++; continue; }
      let e = d;
      while (e < NDAYS && !free[e]) e++;
      for (let s = d; s + 1 < e; s += 2) cand.push(s);
      d = e;
    }
    if (cand.length < k) k = cand.length; // (then more trips than n: not with the defaults)
    const merge = new Uint8Array(NDAYS);
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(r.next() * (cand.length - i));
      const t = cand[i]; cand[i] = cand[j]; cand[j] = t;
      merge[cand[i]] = 1;
    }
    for (let d = 0; d < NDAYS && nt < o.trips; d++) {
      if (free[d]) continue;
      tUser[nt] = person.id;
      tStart[nt] = d;
      tLen[nt] = merge[d] ? 2 : 1;
      tVisits[nt] = person.role === 'leader' ? r.int(0, 2) : r.int(1, 4);
      nt++;
      if (merge[d]) d++;
    }
  }
  // in the order of their start (counting sort by day)
  const byDay = new Int32Array(NDAYS + 1);
  for (let i = 0; i < nt; i++) byDay[tStart[i] + 1]++;
  for (let d = 0; d < NDAYS; d++) byDay[d + 1] += byDay[d];
  const order = new Int32Array(nt);
  for (let i = 0; i < nt; i++) order[byDay[tStart[i]]++] = i;
  const trips = new Out(join(o.out, 'trips.csv'),
    ['id', 'user_id', 'start_on', 'end_on', 'destination', 'visits', 'companies', 'created_by', 'created_at', 'updated_at']);
  let cross = 0;
  for (let i = 0; i < nt; i++) {
    const t = order[i], s = tStart[t], e = Math.min(s + tLen[t] - 1, LAST);
    if (monthIdx[e] !== monthIdx[s]) cross++;
    const createdAt = (D0 + s - r.int(1, 7)) * DAY + 7200;
    trips.row([i + 1, tUser[t], ISO[s], ISO[e], r.pick(DESTINATIONS), tVisits[t], Q(''), tUser[t], createdAt, createdAt]);
  }
  trips.close();

  process.stderr.write(`gen-race: ${people.length} users (${NU} leaders, ${recs} recruiters, ids ${o.userBase}..${uid - 1}); ` +
    `${NL} leads ${o.from}..${o.to} (${nqual} qualified non-duplicate, ${ndup} duplicates); ` +
    `${o.projects} projects (${withLead} with a lead, ${nmajor} major; ${Object.entries(stageCount).map(([k, v]) => `${k} ${v}`).join(', ')}); ` +
    `${nt} trips (${cross} across a month end) in ${o.out}\n`);
}

main(parse(process.argv.slice(2)));
