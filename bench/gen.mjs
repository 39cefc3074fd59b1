#!/usr/bin/env node
// bench/gen.mjs -- write a CSV file of realistic (fictitious) enterprises for
// import benchmarks.  Node only, no npm dependencies.
//
//   node bench/gen.mjs --enterprises 100000 --out bench/out/enterprises.csv
//   node bench/gen.mjs --enterprises 10 --seed 7          # to standard output
//   node bench/gen.mjs --self-test                        # check the check digits
//
// Output: UTF-8, no BOM, RFC 4180 (CRLF line ends are not used; "\n"), one
// header line, then one enterprise per line.  Columns (names follow the
// `enterprises` table; the street is given by name, since ids differ per
// database):
//
//   credit_code, name, street, industry_code, industry, is_key, contact_name,
//   contact_phone, employees, registered_capital_wan, land_mu, founded_on
//
// credit_code is a valid unified social credit code (统一社会信用代码,
// GB 32100-2015) with the GB 11714 organisation-code check digit and the
// GB 32100 check character; every code and every name in one file is
// unique.  The output depends only on --enterprises, --seed and --key-share.
import { openSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---- GB 32100-2015 / GB 11714-1997 -------------------------------------

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';            // 31 characters, no I O S V Z
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

// GB 11714: digits are worth 0-9, letters A-Z 10-35; check = 11 - (sum mod 11),
// written 'X' for 10 and '0' for 11.
export function orgCheck(body8) {
  let s = 0;
  for (let i = 0; i < 8; i++) s += parseInt(body8[i], 36) * ORG_WEIGHTS[i];
  const c = 11 - (s % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

// GB 32100: each character is worth its index in USCC_ALPHABET;
// check = 31 - (sum mod 31), 31 written as '0'.
export function usccCheck(first17) {
  let s = 0;
  for (let i = 0; i < 17; i++) s += USCC_ALPHABET.indexOf(first17[i]) * USCC_WEIGHTS[i];
  const c = 31 - (s % 31);
  return USCC_ALPHABET[c === 31 ? 0 : c];
}

export function usccValid(code) {
  if (!/^[0-9ABCDEFGHJKLMNPQRTUWXY]{18}$/.test(code)) return false;
  return orgCheck(code.slice(8, 16)) === code[16] && usccCheck(code.slice(0, 17)) === code[17];
}

// ---- deterministic random numbers (mulberry32) -------------------------

export function rng(seed) {
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
  // weighted pick: arr of [weight, value]
  const wpick = (arr) => {
    let total = 0;
    for (const [w] of arr) total += w;
    let x = next() * total;
    for (const [w, v] of arr) if ((x -= w) < 0) return v;
    return arr[arr.length - 1][1];
  };
  // log-normal-ish: exp(normal(mu, sigma)) via Box-Muller
  const lognormal = (mu, sigma) => {
    const u = 1 - next(), v = next();
    return Math.exp(mu + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  };
  // a standard normal deviate (Box-Muller)
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, int, pick, wpick, lognormal, normal };
}

// ---- vocabulary ----------------------------------------------------------

// Streets of the Nantong Economic & Technological Development Zone.
const STREETS = [[30, '竹行街道'], [25, '新开街道'], [25, '中兴街道'], [20, '小海街道']];

// Registration divisions (GB/T 2260 style): most firms registered in the zone.
const DIVISIONS = [[70, '320691'], [15, '320600'], [8, '320602'], [7, '320612']];

// GB/T 4754-2017 classes found in the zone, with the word used in firm names,
// whether the firm typically holds industrial land, and a relative weight.
const INDUSTRIES = [
  // weight, code, name, name words, manufacturing (holds land)
  [9, 'C3670', '汽车零部件及配件制造', ['汽车部件', '汽车零部件', '汽配'], true],
  [6, 'C3444', '液压动力机械及元件制造', ['液压', '液压机械', '流体科技'], true],
  [5, 'C3443', '阀门和旋塞制造', ['阀门', '阀业'], true],
  [7, 'C3491', '工业机器人制造', ['智能装备', '机器人', '自动化'], true],
  [8, 'C3489', '其他通用零部件制造', ['精密机械', '精工', '机械'], true],
  [5, 'C3731', '金属船舶制造', ['船舶重工', '造船'], true],
  [5, 'C3734', '船用配套设备制造', ['船舶配套', '船舶设备', '船用机械'], true],
  [4, 'C3737', '海洋工程装备制造', ['海洋工程', '海工装备'], true],
  [6, 'C3973', '集成电路制造', ['微电子', '半导体', '集成电路'], true],
  [6, 'C3982', '电子电路制造', ['电子科技', '电路科技'], true],
  [4, 'C3983', '敏感元件及传感器制造', ['传感技术', '传感器'], true],
  [4, 'C3976', '光电子器件制造', ['光电科技', '光电'], true],
  [4, 'C3841', '锂离子电池制造', ['新能源', '锂电科技'], true],
  [3, 'C3825', '光伏设备及元器件制造', ['光伏科技', '光能'], true],
  [5, 'C2720', '化学药品制剂制造', ['药业', '制药'], true],
  [4, 'C2761', '生物药品制造', ['生物医药', '生物制药', '生物科技'], true],
  [4, 'C3581', '医疗诊断、监护及治疗设备制造', ['医疗器械', '医疗科技'], true],
  [4, 'C2651', '初级形态塑料及合成树脂制造', ['新材料', '高分子材料'], true],
  [4, 'C2929', '塑料零件及其他塑料制品制造', ['塑胶', '塑业'], true],
  [3, 'C3130', '钢压延加工', ['钢业', '特钢', '金属制品'], true],
  [4, 'C1771', '床上用品制造', ['家纺', '家用纺织品'], true],
  [3, 'C1713', '棉印染精加工', ['印染', '纺织'], true],
  [6, 'I6513', '应用软件开发', ['软件', '信息技术', '数字科技'], false],
  [4, 'I6531', '信息系统集成服务', ['信息系统', '智能科技', '网络科技'], false],
  [4, 'G5821', '货物运输代理', ['国际物流', '货运代理', '供应链管理'], false],
  [3, 'G5920', '通用仓储', ['仓储', '物流'], false],
  [4, 'M7320', '工程和技术研究和试验发展', ['技术研究院', '研发科技'], false],
  [3, 'F5179', '其他机械设备及电子产品批发', ['贸易', '国际贸易', '机电设备'], false],
  [2, 'L7211', '企业总部管理', ['企业管理', '控股'], false],
];
const INDUSTRY_PICK = INDUSTRIES.map((x) => [x[0], x]);

// Characters for two-character trade names (字号).
const BRAND_CHARS = Array.from(
  '华鑫泰恒瑞丰盛宏达通海江源博远星辰德祥裕隆嘉诚信和安宇晟昊凯腾骏迈瀚润中科新锦金银鼎力天成永昌明东升昇宝欣启越航帆清立合众诺亿正',
);
const PREFIXES = [[60, '南通'], [25, '江苏'], [15, '']];
const SUFFIXES = [[70, '有限公司'], [18, '股份有限公司'], [8, '科技有限公司'], [4, '(南通)有限公司']];

const SURNAMES = Array.from('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛顾');
const GIVEN = Array.from('伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉志国荣波宁斌鹏飞云峰婷雪琳晨阳浩宇轩欣怡佳俊凯');
const PHONE_PREFIXES = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '155',
  '156', '157', '158', '159', '177', '180', '181', '182', '183', '187', '188', '189', '198', '199'];

// ---- generation ------------------------------------------------------------

function csvField(v) {
  const s = String(v);
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

// --varied-names: 字号 from 3,500 CJK characters (U+4E00 on, every fifth),
// for names as unlike each other as a real registry's (the default word
// lists give 10^6 names only some 7,000 distinct characters and pairs)
const VARIED_CHARS = Array.from({ length: 3500 }, (_, i) => String.fromCodePoint(0x4e00 + 5 * i));

export function* enterprises(count, seed, keyShare = 0.1, varied = false) {
  const r = rng(seed);
  const codes = new Set();
  const names = new Set();
  const nonMA = USCC_ALPHABET; // characters allowed inside the code
  for (let i = 0; i < count; i++) {
    const ind = r.wpick(INDUSTRY_PICK);
    const [, icode, iname, words, manufacturing] = ind;

    // founding date; firms registered since late 2015 carry the new "MA..."
    // organisation codes, older ones their all-digit GB 11714 code
    const year = r.next() < 0.55 ? r.int(2016, 2025) : r.int(1993, 2015);
    const founded = `${year}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`;

    // credit code: 9 (market regulation) 1 (enterprise), division, org code, check
    let code;
    do {
      let body;
      if (year >= 2016) {
        // codes issued since 2015 start with "MA"
        body = 'MA';
        for (let k = 0; k < 6; k++) body += nonMA[r.int(0, 30)];
      } else {
        // older, all-digit organisation codes
        body = '';
        for (let k = 0; k < 8; k++) body += String(r.int(k === 0 ? 1 : 0, 9));
      }
      const org = body + orgCheck(body);
      const first17 = '91' + r.wpick(DIVISIONS) + org;
      code = first17 + usccCheck(first17);
    } while (codes.has(code));
    codes.add(code);

    // name: [南通|江苏]<字号><行业用语><组织形式>; retried until unique
    let name, tries = 0;
    do {
      const len = varied ? r.int(2, 4) : tries > 20 ? 3 : r.next() < 0.85 ? 2 : 3;
      let brand = '';
      for (let k = 0; k < len; k++) brand += r.pick(varied ? VARIED_CHARS : BRAND_CHARS);
      const suffix = r.wpick(SUFFIXES);
      let word = r.pick(words);
      if (suffix === '科技有限公司' && word.endsWith('科技')) word = word.slice(0, -2);
      name = r.wpick(PREFIXES) + brand + word + suffix;
      tries++;
    } while (names.has(name));
    names.add(name);

    const isKey = r.next() < keyShare ? 1 : 0;
    const employees = Math.max(3, Math.round(r.lognormal(isKey ? 5.5 : 3.6, 1.0)));
    const capital = Math.max(10, Math.round(r.lognormal(isKey ? 9.0 : 6.5, 1.2) / 10) * 10); // 万元
    const land = manufacturing && r.next() < 0.8
      ? Math.round(Math.max(2, r.lognormal(isKey ? 4.2 : 2.8, 0.8)) * 10) / 10
      : 0;
    const contact = r.pick(SURNAMES) + r.pick(GIVEN) + (r.next() < 0.6 ? r.pick(GIVEN) : '');
    const phone = r.pick(PHONE_PREFIXES) + String(r.int(0, 99999999)).padStart(8, '0');

    yield [code, name, r.wpick(STREETS), icode, iname, isKey, contact, phone, employees, capital, land, founded];
  }
}

// Write lines (strings, without their newline) to fd in 64 KiB pieces;
// head first.  The number of lines of rows written.
export function writeLines(fd, head, rows) {
  let chunk = head.map((l) => l + '\n').join(''), n = 0;
  for (const l of rows) {
    chunk += l + '\n';
    n++;
    if (chunk.length > 1 << 16) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  return n;
}

export const HEADER = ['credit_code', 'name', 'street', 'industry_code', 'industry', 'is_key', 'contact_name',
  'contact_phone', 'employees', 'registered_capital_wan', 'land_mu', 'founded_on'];

function selfTest() {
  // Real, published codes (Huawei Technologies Co., Ltd.; Tencent Technology
  // (Shenzhen) Co., Ltd.) and a mutation of each.
  const good = ['914403001922038216', '9144030071526726XG'];
  for (const c of good) if (!usccValid(c)) throw new Error(`self-test: ${c} should be valid`);
  for (const c of good) {
    const bad = c.slice(0, 17) + (c[17] === '0' ? '1' : '0');
    if (usccValid(bad)) throw new Error(`self-test: ${bad} should be invalid`);
  }
  let n = 0;
  for (const row of enterprises(20000, 1)) {
    if (!usccValid(row[0])) throw new Error(`self-test: generated ${row[0]} is invalid`);
    n++;
  }
  console.log(`gen.mjs self-test: ok (${good.length} published codes, ${n} generated codes)`);
}

function usage(code) {
  const out = code ? process.stderr : process.stdout;
  out.write('usage: node bench/gen.mjs [--enterprises N] [--seed S] [--key-share F] [--varied-names] [--out FILE] | --self-test\n' +
    '  --enterprises N  number of rows (default 1000)\n' +
    '  --seed S         random seed; the same arguments give the same file (default 1)\n' +
    '  --key-share F    share of key enterprises, 0..1 (default 0.1); `zoneops import`\n' +
    '                   needs an officer for each key enterprise, so 0 gives a file\n' +
    '                   that imports as it is\n' +
    '  --varied-names   字号 of 2-4 characters from 3,500 CJK characters instead of the\n' +
    '                   word lists (names as varied as a real registry\'s)\n' +
    '  --out FILE       output file (directories are created); default: standard output\n');
  process.exit(code);
}

function main(argv) {
  let count = 1000, seed = 1, out = null, keyShare = 0.1, varied = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(2);
      return argv[++i];
    };
    if (a === '--enterprises' || a === '-n') count = Number(val());
    else if (a === '--seed') seed = Number(val());
    else if (a === '--key-share') keyShare = Number(val());
    else if (a === '--out' || a === '-o') out = val();
    else if (a === '--varied-names') varied = true;
    else if (a === '--self-test') return selfTest();
    else if (a === '--help' || a === '-h') usage(0);
    else {
      process.stderr.write(`gen.mjs: unknown argument '${a}'\n`);
      usage(2);
    }
  }
  if (!Number.isInteger(count) || count < 0 || count > 50_000_000) {
    process.stderr.write('gen.mjs: --enterprises must be an integer between 0 and 50000000\n');
    process.exit(2);
  }
  if (!(keyShare >= 0 && keyShare <= 1)) {
    process.stderr.write('gen.mjs: --key-share must be a number between 0 and 1\n');
    process.exit(2);
  }
  if (!Number.isInteger(seed)) {
    process.stderr.write('gen.mjs: --seed must be an integer\n');
    process.exit(2);
  }
  let fd = 1;
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    fd = openSync(out, 'w');
  }
  const t0 = Date.now();
  writeLines(fd, [HEADER.join(',')], (function* rows() {
    for (const row of enterprises(count, seed, keyShare, varied)) yield row.map(csvField).join(',');
  })());
  if (out) {
    closeSync(fd);
    process.stderr.write(`gen.mjs: wrote ${count} enterprises to ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
}

// run as a program (not when bench/gen-facts.mjs imports enterprises())
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
