// End-to-end: plots (地块, issue 11) on a --demo server: create, read, list,
// change, the status transitions with their events, the users with the area
// check (nothing stored on an error), bad areas and outlines, the GeoJSON of
// the map, the import (CSV with bad rows in modes all and good, a GeoJSON
// FeatureCollection with a bad feature, the CLI) and who may do what: the
// land bureau's department users (dept.zrgh) and admins write, another
// department's users read only, an enterprise not at all.  Codes used here
// start with T- (the demo's start with DK-).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDb, startServer, Client, cli, demoAdminPassword, importJob } from './lib.mjs';
import { xlsx } from './xlsx.mjs';

let db, srv, dir;
const as = {};          // user -> Client with an API token
let ents;               // a few demo enterprises [{id, credit_code}]

before(async () => {
  db = freshDb();
  dir = mkdtempSync(join(tmpdir(), 'zo-plots-'));
  srv = await startServer(db.url, ['--demo']);
  await demoAdminPassword(srv);
  for (const user of ['admin', 'dept.zrgh', 'dept.qfzx', 'leader.ib', 'ent.hengtai']) {
    const t = cli(db.url, ['token', 'create', '--user', user]);
    assert.equal(t.status, 0, t.stderr);
    as[user] = new Client(srv.url, t.stdout.trim());
  }
  ents = (await as.admin.get('/api/v1/enterprises?limit=5')).json.items;
});

after(async () => {
  const code = await srv.stop();
  db.cleanup();
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`server exited ${code}:\n${srv.output().stderr.slice(-4000)}`);
});

const square = (x = 121.0, y = 32.0, d = 0.002) =>
  ({ type: 'Polygon', coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]] });
const put = (user, path, body) => as[user].req('PUT', path, body);
const create = (body, user = 'dept.zrgh') => as[user].post('/api/v1/plots', body);
const errOf = (r) => [r.status, r.json && r.json.error && r.json.error.code, r.json && r.json.error && r.json.error.field];

describe('the demo plots', () => {
  test('the article: 奥斯福地块, the north area, every status', async () => {
    const all = (await as.admin.get('/api/v1/plots?limit=1000')).json.items;
    assert.ok(all.length >= 30 && all.length <= 40, `${all.length} plots`);
    const asf = (await as.admin.get(`/api/v1/plots/${all.find((p) => p.code === 'DK-ASF').id}`)).json;
    assert.deepEqual([asf.name, asf.area_mu, asf.status, asf.to_move, asf.moved, asf.investment_wan],
      ['奥斯福地块', 420, 'vacating', 11, 4, 520000]);
    assert.equal(asf.project.name, '奥斯福地块智慧产业园项目');
    assert.equal(asf.users.length, 7);
    assert.ok(asf.area_freed_mu > 0 && asf.users_area_mu + asf.area_freed_mu <= 420);
    assert.deepEqual(asf.events.map((e) => e.to_status), ['in_use', 'low_efficiency', 'vacating']);
    assert.ok(asf.events.every((e, i) => i === 0 || e.at > asf.events[i - 1].at));
    assert.ok(asf.geometry && asf.crs === 'EPSG:4490');
    const north = all.filter((p) => p.code.startsWith('DK-BQ'));
    assert.equal(north.reduce((n, p) => n + p.to_move, 0), 12, 'the 12 chemical projects moving south');
    for (const s of ['in_use', 'idle', 'low_efficiency', 'vacating', 'cleared', 'redeveloping', 'redeveloped'])
      assert.ok(all.some((p) => p.status === s), s);
    assert.ok(all.every((p) => p.users_area_mu <= p.area_mu && p.has_geometry));
    // an enterprise's plot land is its registry land
    const e = all.find((p) => p.code === 'DK-001').users[0];
    const ent = (await as.admin.get(`/api/v1/enterprises/${e.enterprise_id}`)).json;
    assert.equal(e.area_mu, ent.land_mu);
  });
});

describe('plots', () => {
  let id;
  test('create, get, list', async () => {
    const r = await create({ code: 'T-001', name: '测试地块', area_mu: 100.5, street: '竹行街道', geometry: square(),
      crs: 'EPSG:4490', note: 'n' });
    assert.equal(r.status, 201, r.text);
    id = r.json.id;
    assert.equal(r.json.code, 'T-001');
    assert.equal(r.json.area_mu, 100.5);
    assert.equal(r.json.street, '竹行街道');
    assert.equal(r.json.land_use, 'industrial');
    assert.equal(r.json.status, 'in_use');
    assert.equal(r.json.crs, 'EPSG:4490');
    assert.deepEqual(r.json.geometry, square());
    assert.deepEqual(r.json.users, []);
    assert.equal(r.json.users_area_mu, 0);
    assert.equal(r.json.project, null);
    assert.equal(r.json.events.length, 1);
    assert.equal(r.json.events[0].to_status, 'in_use');
    const g = await as['leader.ib'].get(`/api/v1/plots/${id}`);
    assert.equal(g.status, 200);
    assert.equal(g.json.name, '测试地块');
    const l = await as['dept.qfzx'].get('/api/v1/plots?q=T-00');
    assert.equal(l.status, 200);
    assert.equal(l.json.total, 1);
    assert.equal(l.json.items[0].code, 'T-001');
    assert.equal(l.json.items[0].geometry, undefined);
    assert.equal(l.json.items[0].events, undefined);
    const all = await as.admin.get('/api/v1/plots?limit=1000');
    assert.ok(all.json.total >= 30, 'the demo plots');
    const vac = await as.admin.get('/api/v1/plots?status=vacating');
    assert.ok(vac.json.items.every((p) => p.status === 'vacating'));
    assert.ok(vac.json.items.some((p) => p.code === 'DK-ASF' && p.area_mu === 420 && p.to_move === 11));
    assert.equal((await as.admin.get('/api/v1/plots?status=nope')).status, 422);
    assert.equal((await as.admin.get('/api/v1/plots/999999')).status, 404);
  });

  test('duplicate code, missing or bad area', async () => {
    assert.deepEqual(errOf(await create({ code: 'T-001', area_mu: 5 })), [409, 'conflict', 'code']);
    assert.deepEqual(errOf(await create({ code: 'T-002' })), [422, 'required', 'area_mu']);
    assert.deepEqual(errOf(await create({ code: 'T-002', area_mu: 0 })), [422, 'invalid_parameter', 'area_mu']);
    assert.deepEqual(errOf(await create({ code: 'T-002', area_mu: -3 })), [422, 'invalid_parameter', 'area_mu']);
    assert.deepEqual(errOf(await create({ code: 'T-002', area_mu: '5' })), [422, 'invalid_parameter', 'area_mu']);
    assert.deepEqual(errOf(await create({ code: 'T-002', area_mu: 1.00001 })), [422, 'invalid_parameter', 'area_mu']);
    assert.deepEqual(errOf(await create({ code: 'T-002', area_mu: 5, land_use: 'farm' })), [422, 'invalid_parameter', 'land_use']);
    assert.deepEqual(errOf(await create({ code: 'T-002', area_mu: 5, street: '没有街道' })), [422, 'unknown_street', 'street']);
    assert.deepEqual(errOf(await create({ code: 'T-002', area_mu: 5, colour: 'red' })), [422, 'unknown_field', 'colour']);
    assert.deepEqual(errOf(await create({ code: 'T-002', area_mu: 5, crs: 'EPSG:3857' })), [422, 'invalid_parameter', 'crs']);
    assert.equal((await as.admin.get('/api/v1/plots?q=T-002')).json.total, 0);
    const z = await as['dept.zrgh'].patch(`/api/v1/plots/${id}`, { area_mu: 0 });
    assert.deepEqual(errOf(z), [422, 'invalid_parameter', 'area_mu']);
  });

  test('bad outlines', async () => {
    const bad = async (geometry, reason) => {
      const r = await create({ code: 'T-003', area_mu: 5, geometry });
      assert.deepEqual(errOf(r), [422, 'invalid_geometry', 'geometry'], r.text);
      assert.equal(r.json.error.params.reason, reason, r.text);
      return r.json.error.params;
    };
    await bad({ type: 'Point', coordinates: [121, 32] }, 'not_polygon');
    const open = await bad({ type: 'Polygon', coordinates: [[[121, 32], [121.1, 32], [121.1, 32.1], [121, 32.1]]] }, 'ring_open');
    assert.equal(open.ring, '0');
    await bad({ type: 'Polygon', coordinates: [[[121, 32], [121.1, 32.1], [121.1, 32], [121, 32.1], [121, 32]]] }, 'self_intersection');
    await bad({ type: 'Polygon', coordinates: [[[121, 32], [121.1, 32], [121, 32]]] }, 'too_few_positions');
    await bad({ type: 'Polygon', coordinates: [[[121, 32], [191, 32], [121.1, 32.1], [121, 32]]] }, 'bad_coordinates');
    assert.equal((await as.admin.get('/api/v1/plots?q=T-003')).json.total, 0);
    const mp = await create({ code: 'T-003', area_mu: 5, geometry: { type: 'MultiPolygon', coordinates: [square().coordinates,
      square(121.01).coordinates] } });
    assert.equal(mp.status, 201, mp.text);
    const clear = await as['dept.zrgh'].patch(`/api/v1/plots/${mp.json.id}`, { geometry: null });
    assert.equal(clear.json.geometry, null);
  });

  test('status transitions and their events', async () => {
    const go = (status, note) => as['dept.zrgh'].patch(`/api/v1/plots/${id}`, { status, event_note: note });
    for (const s of ['idle', 'low_efficiency', 'in_use', 'vacating', 'cleared', 'redeveloping', 'redeveloped', 'in_use']) {
      const r = await go(s, `to ${s}`);
      assert.equal(r.status, 200, `${s}: ${r.text}`);
      assert.equal(r.json.status, s);
    }
    const ev = (await as.admin.get(`/api/v1/plots/${id}`)).json.events;
    assert.equal(ev.length, 9);
    assert.deepEqual(ev.slice(1).map((e) => [e.from_status, e.to_status]), [['in_use', 'idle'], ['idle', 'low_efficiency'],
      ['low_efficiency', 'in_use'], ['in_use', 'vacating'], ['vacating', 'cleared'], ['cleared', 'redeveloping'],
      ['redeveloping', 'redeveloped'], ['redeveloped', 'in_use']]);
    assert.equal(ev[4].note, 'to vacating');
    assert.ok(ev.every((e) => typeof e.at === 'number' && e.user));
    for (const [from, to] of [['in_use', 'cleared'], ['in_use', 'redeveloped']]) {
      const r = await go(to);
      assert.deepEqual(errOf(r), [422, 'bad_transition', 'status']);
      assert.deepEqual(r.json.error.params, { from, to });
    }
    await go('vacating');
    for (const to of ['in_use', 'idle', 'redeveloping']) {
      const r = await go(to);
      assert.deepEqual(errOf(r), [422, 'bad_transition', 'status'], to);
    }
    assert.equal((await go('cleared')).status, 200);
    assert.deepEqual(errOf(await go('vacating')), [422, 'bad_transition', 'status']);
    // the note given with a change is the event's note too
    const noted = await as['dept.zrgh'].patch(`/api/v1/plots/${id}`, { status: 'redeveloping', note: '开工' });
    assert.equal(noted.json.note, '开工');
    assert.equal(noted.json.events.at(-1).note, '开工');
    assert.deepEqual(errOf(await go('cleared')), [422, 'bad_transition', 'status']);
    assert.equal((await go('redeveloped')).status, 200);
    assert.equal((await go('in_use')).status, 200);
    assert.equal((await go('vacating')).status, 200);
    assert.equal((await go('cleared')).status, 200);
    const same = await go('cleared');
    assert.equal(same.status, 200);
    assert.equal(same.json.events.length, 16, 'no event without a change');
    const reg = await as['dept.zrgh'].patch(`/api/v1/plots/${id}`, { to_move: 3, moved: 2, area_freed_mu: 50.25,
      project_id: 1, investment_wan: 120000 });
    assert.equal(reg.status, 200, reg.text);
    assert.equal(reg.json.area_freed_mu, 50.25);
    assert.equal(reg.json.project.id, 1);
    assert.ok(reg.json.project.name && reg.json.project.stage && reg.json.project.unit);
    assert.deepEqual(errOf(await as['dept.zrgh'].patch(`/api/v1/plots/${id}`, { moved: 4 })), [422, 'invalid_parameter', 'moved']);
    assert.deepEqual(errOf(await as['dept.zrgh'].patch(`/api/v1/plots/${id}`, { project_id: 999999 })),
      [422, 'invalid_parameter', 'project_id']);
  });

  test('users: the area check, nothing stored on an error', async () => {
    const r = await put('dept.zrgh', `/api/v1/plots/${id}/users`, [{ enterprise_id: ents[0].id, area_mu: 60 },
      { enterprise_id: ents[1].id, area_mu: 40.5 }]);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.users.length, 2);
    assert.equal(r.json.users_area_mu, 100.5);
    assert.equal(r.json.users[0].credit_code, ents[0].credit_code);
    const over = await put('dept.zrgh', `/api/v1/plots/${id}/users`, [{ enterprise_id: ents[0].id, area_mu: 60 },
      { enterprise_id: ents[2].id, area_mu: 41 }]);
    assert.deepEqual(errOf(over), [422, 'area_exceeded', 'users']);
    assert.deepEqual(over.json.error.params, { plot_area: '100.5', users_area: '101' });
    const g = await as.admin.get(`/api/v1/plots/${id}`);
    assert.deepEqual(g.json.users.map((u) => [u.enterprise_id, u.area_mu]), [[ents[0].id, 60], [ents[1].id, 40.5]]);
    assert.deepEqual(errOf(await put('dept.zrgh', `/api/v1/plots/${id}/users`, [{ enterprise_id: ents[0].id, area_mu: 0 }])),
      [422, 'invalid_parameter', 'users[0].area_mu']);
    assert.deepEqual(errOf(await put('dept.zrgh', `/api/v1/plots/${id}/users`, [{ enterprise_id: ents[0].id, area_mu: 1 },
      { enterprise_id: 999999, area_mu: 1 }])), [422, 'unknown_enterprise', 'users[1].enterprise_id']);
    assert.deepEqual(errOf(await put('dept.zrgh', `/api/v1/plots/${id}/users`, [{ enterprise_id: ents[0].id, area_mu: 1 },
      { enterprise_id: ents[0].id, area_mu: 1 }])), [422, 'duplicate_user', 'users[1].enterprise_id']);
    assert.deepEqual(errOf(await as['dept.zrgh'].patch(`/api/v1/plots/${id}`, { area_mu: 100 })), [422, 'area_exceeded', 'area_mu']);
    assert.equal((await as.admin.get(`/api/v1/plots/${id}`)).json.area_mu, 100.5);
    const none = await put('admin', `/api/v1/plots/${id}/users`, []);
    assert.equal(none.status, 200);
    assert.deepEqual(none.json.users, []);
    await put('admin', `/api/v1/plots/${id}/users`, [{ enterprise_id: ents[0].id, area_mu: 60 }]);
  });

  test('the GeoJSON of the map', async () => {
    const r = await as['leader.ib'].get('/api/v1/plots/geojson');
    assert.equal(r.status, 200);
    assert.equal(r.json.type, 'FeatureCollection');
    const f = r.json.features.find((x) => x.properties.code === 'T-001');
    assert.equal(f.id, id);
    assert.deepEqual(f.geometry, square());
    assert.deepEqual(f.properties.users, [{ enterprise_id: ents[0].id, area_mu: 60 }]);
    assert.equal(f.properties.area_mu, 100.5);
    assert.ok(r.json.features.length >= 30);
    const v = await as.admin.get('/api/v1/plots/geojson?status=vacating');
    assert.ok(v.json.features.length >= 1 && v.json.features.every((x) => x.properties.status === 'vacating'));
  });

  test('who may: another department reads only, an enterprise nothing', async () => {
    assert.deepEqual(errOf(await create({ code: 'T-009', area_mu: 5 }, 'dept.qfzx')), [403, 'forbidden', null]);
    assert.equal((await as['dept.qfzx'].patch(`/api/v1/plots/${id}`, { name: 'x' })).status, 403);
    assert.equal((await put('dept.qfzx', `/api/v1/plots/${id}/users`, [])).status, 403);
    assert.equal((await create({ code: 'T-009', area_mu: 5 }, 'leader.ib')).status, 403);
    for (const p of ['/api/v1/plots', `/api/v1/plots/${id}`, '/api/v1/plots/geojson'])
      assert.equal((await as['ent.hengtai'].get(p)).status, 403, p);
    assert.equal((await create({ code: 'T-009', area_mu: 5 }, 'ent.hengtai')).status, 403);
    assert.equal((await as.admin.get(`/api/v1/plots/${id}`)).json.users.length, 1);
  });
});

describe('import', () => {
  const run = (body, query = '', type = 'text/csv', user = 'dept.zrgh') =>
    importJob(as[user], `/api/v1/plots/import${query ? '?' + query : ''}`, body, { type });
  const errs = (job) => job.report.errors.map((e) => [e.line, e.field, e.code]);
  const codes = async (q) => (await as.admin.get(`/api/v1/plots?q=${q}&limit=100`)).json.items.map((p) => p.code).sort();
  const geom = JSON.stringify(square(121.02, 32.02)).replace(/"/g, '""');
  const CSV = () => 'code,name,area_mu,street,land_use,status,geometry,users\n' +
    `T-I1,导入一,50,竹行街道,工业,在用,"${geom}",${ents[0].credit_code}:30;${ents[1].credit_code}:20\n` +
    'T-I2,导入二,0,,industrial,in_use,,\n' +
    `T-I3,导入三,10,,,idle,,${ents[0].credit_code}:11\n` +
    'T-I4,导入四,12.5,,service,闲置,,\n' +
    'T-I5,导入五,5,,farm,,,\n';

  test('CSV, mode all: a bad row writes nothing, each bad row named by its line', async () => {
    const { res, job } = await run(CSV(), 'filename=plots.csv');
    assert.equal(res.status, 202, res.text);
    assert.equal(job.status, 'done');
    assert.deepEqual(errs(job), [[3, 'area_mu', 'invalid_parameter'], [4, 'users', 'area_exceeded'], [6, 'land_use', 'invalid_parameter']]);
    const ex = job.report.errors.find((e) => e.code === 'area_exceeded');
    assert.deepEqual(ex.params, { plot_area: '10', users_area: '11' });
    assert.equal(job.report.written, false);
    assert.deepEqual(await codes('T-I'), []);
  });

  test('CSV, dry run and mode good: the good rows', async () => {
    const dry = await run(CSV(), 'mode=good&dry_run=1');
    assert.equal(dry.job.report.created, 2);
    assert.deepEqual(await codes('T-I'), []);
    const { job } = await run(CSV(), 'mode=good');
    assert.equal(job.status, 'done');
    assert.equal(job.report.created, 2);
    assert.deepEqual(errs(job).map((e) => e[0]), [3, 4, 6]);
    assert.deepEqual(await codes('T-I'), ['T-I1', 'T-I4']);
    const p = (await as.admin.get('/api/v1/plots?q=T-I1')).json.items[0];
    assert.equal(p.area_mu, 50);
    assert.equal(p.street, '竹行街道');
    assert.equal(p.has_geometry, true);
    assert.deepEqual(p.users.map((u) => [u.credit_code, u.area_mu]), [[ents[0].credit_code, 30], [ents[1].credit_code, 20]]);
    const p4 = (await as.admin.get('/api/v1/plots?q=T-I4')).json.items[0];
    assert.deepEqual([p4.land_use, p4.status, p4.area_mu], ['service', 'idle', 12.5]);
    // a code that exists updates it; a bad transition is a bad row
    const up = await run('code,status,area_mu\nT-I4,low_efficiency,13\nT-I1,cleared,\n', 'mode=good');
    assert.equal(up.job.report.updated, 1);
    assert.deepEqual(errs(up.job), [[3, 'status', 'bad_transition']]);
    assert.equal((await as.admin.get('/api/v1/plots?q=T-I4')).json.items[0].status, 'low_efficiency');
    const dup = await run('code,area_mu\nT-I9,1\nT-I9,2\n');
    assert.deepEqual(errs(dup.job), [[3, 'code', 'duplicate_in_file']]);
  });

  test('XLSX: Chinese headers and words, numbers as number cells', async () => {
    const book = xlsx([['地块编号', '地块名称', '面积(亩)', '用途', '状态', '使用企业'],
      ['T-X2', '表格地块', 33.25, '服务业', '低效', `${ents[3].credit_code}:33.25`],
      ['T-X3', '表格地块三', 0, '工业', '在用', '']]);
    const { job } = await run(book, 'mode=good&filename=plots.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.equal(job.report.format, 'xlsx');
    assert.equal(job.report.created, 1);
    assert.deepEqual(errs(job), [[3, 'area_mu', 'invalid_parameter']]);
    const p = (await as.admin.get('/api/v1/plots?q=T-X2')).json.items[0];
    assert.deepEqual([p.name, p.area_mu, p.land_use, p.status, p.users_area_mu], ['表格地块', 33.25, 'service', 'low_efficiency', 33.25]);
  });

  test('GeoJSON: each feature a record, a bad one named by its index', async () => {
    const fc = (features) => JSON.stringify({ type: 'FeatureCollection', features });
    const feature = (code, geometry, props = {}) => ({ type: 'Feature', geometry, properties: { code, area_mu: 20, ...props } });
    const body = fc([feature('T-G1', square(121.03, 32.03), { name: 'G1', status: 'idle' }),
      feature('T-G2', { type: 'Polygon', coordinates: [[[121, 32], [121.1, 32], [121.1, 32.1], [121, 32.1]]] }),
      feature('T-G3', square(121.04, 32.04), { users: [{ credit_code: ents[2].credit_code, area_mu: 25 }] }),
      feature('T-G4', { type: 'Point', coordinates: [121, 32] })]);
    const all = await run(body, 'filename=plots.geojson', 'application/geo+json');
    assert.equal(all.job.status, 'done', JSON.stringify(all.job));
    assert.equal(all.job.report.format, 'geojson');
    assert.deepEqual(errs(all.job), [[2, 'geometry', 'invalid_geometry'], [3, 'users', 'area_exceeded'], [4, 'geometry', 'invalid_geometry']]);
    const e = all.job.report.errors;
    assert.deepEqual([e[0].params.feature, e[0].params.reason], ['1', 'ring_open']);
    assert.equal(e[1].params.feature, '2');
    assert.deepEqual([e[2].params.feature, e[2].params.reason], ['3', 'not_polygon']);
    assert.match(e[0].message, /^feature 1: /);
    assert.deepEqual(await codes('T-G'), []);
    const good = await run(body, 'mode=good', 'application/json');   // detected by its first byte
    assert.equal(good.job.report.created, 1);
    const g1 = (await as.admin.get('/api/v1/plots?q=T-G1')).json.items[0];
    assert.deepEqual([g1.name, g1.status, g1.has_geometry], ['G1', 'idle', true]);
    const notfc = await run(JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {} }, 7] }),
      'format=geojson');
    assert.equal(notfc.job.status, 'failed');
    assert.equal(notfc.job.report.fatal.code, 'bad_feature');
    assert.equal(notfc.job.report.fatal.params.feature, '1');
  });

  test('the CLI', () => {
    const f = join(dir, 'p.csv');
    writeFileSync(f, 'code,area_mu\nT-L1,3\nT-L2,-1\n');
    let r = cli(db.url, ['import', 'plots', f]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /line 3: area_mu: /);
    r = cli(db.url, ['import', 'plots', f, '--mode', 'good']);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /1 created/);
    const g = join(dir, 'p.geojson');
    writeFileSync(g, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: square(121.05, 32.05),
      properties: { code: 'T-L3', area_mu: 4 } }] }));
    r = cli(db.url, ['import', 'plots', g]);
    assert.equal(r.status, 0, r.stderr);
  });

  test('many rows: the bulk writes of several batches keep every row, its users and its events', async () => {
    const n = 2500;   // more than two of the importer's batches (1000 rows)
    let csv = 'code,name,area_mu,status,users\n';
    for (let i = 0; i < n; i++) csv += `T-M${i},批量${i},${10 + (i % 7)},${i % 2 ? 'idle' : 'in_use'},${ents[i % 4].credit_code}:1\n`;
    const made = await run(csv);
    assert.equal(made.job.status, 'done', JSON.stringify(made.job.report));
    assert.equal(made.job.report.created, n);
    let up = 'code,status,users,area_mu\n';
    for (let i = 0; i < n; i++) up += `T-M${i},low_efficiency,${i % 3 ? '' : `${ents[(i + 1) % 4].credit_code}:2`},${i === n - 1 ? 3 : ''}\n`;
    up += 'T-M-new,,,3\n';
    const dry = await run(up, 'dry_run=1');
    assert.deepEqual([dry.job.report.created, dry.job.report.updated], [1, n]);
    const done = await run(up);
    assert.deepEqual([done.job.report.created, done.job.report.updated], [1, n]);
    assert.equal((await as.admin.get('/api/v1/plots?q=T-M&limit=1')).json.total, n + 1);
    for (const i of [0, 1, 999, 1000, 1001, 2001, n - 1]) {
      const id = (await as.admin.get(`/api/v1/plots?q=T-M${i}&limit=100`)).json.items.find((p) => p.code === `T-M${i}`).id;
      const p = (await as.admin.get(`/api/v1/plots/${id}`)).json;
      assert.deepEqual([p.name, p.area_mu, p.status], [`批量${i}`, i === n - 1 ? 3 : 10 + (i % 7), 'low_efficiency'], `T-M${i}`);
      assert.deepEqual(p.events.map((e) => [e.from_status, e.to_status]),
        [['', i % 2 ? 'idle' : 'in_use'], [i % 2 ? 'idle' : 'in_use', 'low_efficiency']], `T-M${i}`);
      assert.deepEqual(p.users.map((u) => [u.credit_code, u.area_mu]),
        [i % 3 ? [ents[i % 4].credit_code, 1] : [ents[(i + 1) % 4].credit_code, 2]], `T-M${i}`);
    }
  });

  test('who may import: the land bureau and admins', async () => {
    assert.equal((await run('code,area_mu\nT-X1,1\n', '', 'text/csv', 'dept.qfzx')).res.status, 403);
    assert.equal((await run('code,area_mu\nT-X1,1\n', '', 'text/csv', 'leader.ib')).res.status, 403);
    assert.equal((await run('code,area_mu\nT-X1,1\n', '', 'text/csv', 'ent.hengtai')).res.status, 403);
    const ok = await run('code,area_mu\nT-X1,1\n', '', 'text/csv', 'admin');
    assert.equal(ok.job.report.created, 1);
  });
});
