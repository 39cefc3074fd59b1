/*
 * meetings.test.mjs -- 联席会商 in Debian's Chromium (issue 14).  The
 * journey: an enterprise's problem needs three departments; its chief
 * service officer raises it and proposes it for the next joint meeting;
 * the admin plans the meeting (departments and a street), records the
 * decision with a lead department, two co-operating departments, a street
 * and three follow-up tasks (a deadline before the meeting is refused next
 * to its field, nothing stored); the minutes print in Chromium (a
 * screenshot and a PDF); each department's user sees its task in 我的会商任务
 * and one marks it done; the next meeting's agenda carries the two
 * unfinished ones; the request's history says what was decided (the
 * enterprise reads it too, without a link to the meeting); the dashboard
 * counts the item.  Then: a late task says 已超期 in words; axe-core finds no
 * serious or critical violation on the pages; screenshots in Chinese and
 * English at 1440×900.
 *
 * Same environment as the other browser tests (ZONEOPS_URL,
 * ZONEOPS_ADMIN_PASSWORD against a --demo server).  Screenshots and the
 * minutes' PDF go to ZONEOPS_SHOTS, else build/screenshots (as a11y).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import {
  BASE, DEMO_PASSWORD, skip, launch, shutdown, newPage, assertClean, dropStatus, login, ready, open, fullShot, pageApi
} from './lib.mjs';

const DESKTOP = { width: 1440, height: 900 };
const OUT = resolve(process.env.ZONEOPS_SHOTS || process.env.ZONEOPS_A11Y_SHOTS || 'build/screenshots');
const ENT_USER = 'ent.hengtai';
const stamp = Date.now().toString(36);
/* the lead department and the two co-operating ones (demo users dept.<code>) */
const LEAD = { code: 'zrgh', name: '自然资源和规划分局' };
const PARTNERS = [{ code: 'jsj', name: '建设局' }, { code: 'sthj', name: '生态环境分局' }];

before(async () => {
  if (!skip) {
    await launch();
    mkdirSync(OUT, { recursive: true });
  }
});
after(shutdown);

const p2 = (n) => String(n).padStart(2, '0');
function isoDay(d) {
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
}
function dayFromToday(n) {
  const d = new Date();
  d.setDate(d.getDate() + n);
  return isoDay(d);
}

const api = pageApi;

/* A user's page, logged in. */
async function user(name, password = DEMO_PASSWORD, viewport = DESKTOP) {
  const p = await newPage(viewport);
  await login(p.page, p.problems, name, password);
  return p;
}

/* Serious and critical axe violations as lines. */
async function axe(page, where) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.id} [${v.impact}] ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

/* Fill task row i of the open decision dialog. */
async function taskRow(page, i, { title, deptId, days, date }) {
  await page.fill(`.modal [name="tasks[${i}].title"]`, title);
  await page.selectOption(`.modal [name="tasks[${i}].department_id"]`, `d${deptId}`);
  if (date) {
    await page.selectOption(`.modal [name="tasks[${i}].mode"]`, 'date');
    await page.fill(`.modal [name="tasks[${i}].due_on"]`, date);
  } else {
    await page.fill(`.modal [name="tasks[${i}].due_workdays"]`, String(days));
  }
}

const ctx = {};   // what the steps hand on: ids and pages

test('a problem for three departments: proposed by the officer, decided at a joint meeting with a lead, partners, a street and three tasks; minutes print; each department sees its task; the unfinished ones come back; the history shows the decision', { skip, timeout: 240000 }, async () => {
  const admin = await user('admin', process.env.ZONEOPS_ADMIN_PASSWORD);
  const depts = (await api(admin.page, 'GET', '/api/v1/departments')).json.items;
  const deptId = (name) => depts.find((d) => d.name === name).id;
  const streets = (await api(admin.page, 'GET', '/api/v1/streets')).json.items;
  assert.ok(streets.length > 0, 'the demo has streets');
  const street = streets[0];

  /* the enterprise and its chief service officer */
  const ent = await user(ENT_USER);
  const entId = (await api(ent.page, 'GET', '/api/v1/me')).json.enterprise_id;
  const officerId = (await api(admin.page, 'GET', `/api/v1/enterprises/${entId}`)).json.officer_id;
  assert.ok(officerId, 'the enterprise has a chief service officer');
  const officerName = (await api(admin.page, 'GET', `/api/v1/users/${officerId}`)).json.username;
  const officer = await user(officerName);

  /* 1. the admin plans the meeting in the UI: today, departments and a street */
  const title = `用地规划、环评与施工许可联席会商 ${stamp}`;
  await open(admin.page, '#/meetings');
  await admin.page.click('[data-testid=mtg-new]');
  await admin.page.locator('.modal form').waitFor();
  await admin.page.fill('.modal [name=title]', title);
  await admin.page.fill('.modal [name=held_on]', dayFromToday(0));
  await admin.page.fill('.modal [name=starts_at]', '09:30');
  await admin.page.fill('.modal [name=place]', '管委会三楼会议室');
  await admin.page.fill('.modal [name=chair]', '管委会分管副主任');
  await admin.page.selectOption('.modal [name=level]', 'district_street');
  for (const name of [LEAD.name, ...PARTNERS.map((x) => x.name), '企业发展服务中心'])
    await admin.page.check(`.modal [data-field=departments] input[value="${deptId(name)}"]`);
  await admin.page.check(`.modal [data-field=streets] input[value="${street.id}"]`);
  const created = admin.page.waitForResponse((r) => r.url().endsWith('/api/v1/meetings') && r.request().method() === 'POST');
  await admin.page.click('[data-testid=mtg-save]');
  const cres = await created;
  assert.equal(cres.status(), 201, await cres.text());
  const meetingId = (await cres.json()).id;
  await admin.page.waitForFunction((id) => location.hash === `#/meetings/${id}`, meetingId);
  await ready(admin.page, 'meetings');
  await admin.page.locator('#view [data-key=streets]', { hasText: street.name }).waitFor();

  /* 2. the officer raises the problem and proposes it in the request page */
  const req = await api(officer.page, 'POST', '/api/v1/requests', {
    enterprise_id: entId, category: 'land', source: 'staff',
    title: `扩建项目用地规划、环评和施工许可需三部门协同 ${stamp}`,
    description: '企业扩建二期厂房，涉及用地规划调整、环评批复和施工许可，需自然资源和规划、生态环境、建设三个部门共同研究。',
  });
  assert.equal(req.status, 201, req.text);
  const reqId = req.json.id;
  await open(officer.page, `#/requests/${reqId}`);
  await officer.page.click('[data-testid=action-propose]');
  await officer.page.fill('.modal [name=note]', '涉及三个部门，需联席会商明确牵头单位');
  const proposed = officer.page.waitForResponse((r) => r.url().endsWith('/api/v1/meeting-proposals'));
  await officer.page.click('[data-testid=propose-save]');
  const pres = await proposed;
  assert.equal(pres.status(), 201, await pres.text());
  const proposal = await pres.json();
  await officer.page.locator('.modal').waitFor({ state: 'detached' });
  assertClean(officer.problems, 'the officer proposing');

  /* the next planned meeting takes it; if the demo has an earlier one, the admin adds it to this one */
  const proposedTo = proposal.meeting_id ?? (proposal.meeting && proposal.meeting.id);
  if (proposedTo !== meetingId) {
    await open(admin.page, `#/meetings/${meetingId}`);
    await admin.page.click('[data-testid=mtg-add-item]');
    await admin.page.selectOption('.modal [name=kind]', 'request');
    await admin.page.fill('.modal [name=request_id]', String(reqId));
    await admin.page.click('[data-testid=item-save]');
    await admin.page.locator('.modal').waitFor({ state: 'detached' });
  }
  await open(admin.page, `#/meetings/${meetingId}`);
  const item = admin.page.locator('#view .mtg-item[data-kind=request]', { hasText: String(stamp) });
  await item.waitFor();

  /* 3. the decision: lead, two partners, a street, three tasks; first with a date before the meeting */
  await item.locator('[data-testid=item-decide]').click();
  await admin.page.locator('.modal form').waitFor();
  await admin.page.fill('.modal [name=decision]', '由自然资源和规划分局牵头办理用地规划调整，生态环境分局同步开展环评审批，建设局提前介入施工许可，街道做好企业服务保障。');
  await admin.page.selectOption('.modal [name=lead_department_id]', String(deptId(LEAD.name)));
  for (const x of PARTNERS)
    await admin.page.check(`.modal [data-field="partners.departments"] input[value="${deptId(x.name)}"]`);
  await admin.page.check(`.modal [data-field="partners.streets"] input[value="${street.id}"]`);
  const tasks = [
    { title: `完成用地规划调整论证 ${stamp}`, deptId: deptId(LEAD.name), days: 10 },
    { title: `提前介入施工许可预审 ${stamp}`, deptId: deptId(PARTNERS[0].name), date: dayFromToday(-1) },
    { title: `完成二期项目环评批复 ${stamp}`, deptId: deptId(PARTNERS[1].name), days: 15 },
  ];
  for (let i = 0; i < tasks.length; i++) {
    if (i > 0)
      await admin.page.click('[data-testid=task-add]');
    await taskRow(admin.page, i, tasks[i]);
  }
  let answer = admin.page.waitForResponse((r) => /\/decision$/.test(r.url()));
  await admin.page.click('[data-testid=decision-save]');
  let dres = await answer;
  assert.equal(dres.status(), 422, 'a deadline before the meeting is refused');
  assert.equal((await dres.json()).error.field, 'tasks[1].due_on');
  const fieldErr = admin.page.locator('.modal .field.has-error:has([name="tasks[1].due_on"]) .field-error');
  await fieldErr.waitFor();
  assert.match(await fieldErr.textContent(), /早于会议日期/);
  dropStatus(admin.problems, 422);
  const still = (await api(admin.page, 'GET', `/api/v1/meetings/${meetingId}`)).json;
  assert.equal(still.items.find((x) => x.request && x.request.id === reqId).decision, '', 'nothing stored');
  /* the same task with a date after the meeting */
  tasks[1].date = dayFromToday(20);
  await admin.page.fill('.modal [name="tasks[1].due_on"]', tasks[1].date);
  answer = admin.page.waitForResponse((r) => /\/decision$/.test(r.url()));
  await admin.page.click('[data-testid=decision-save]');
  dres = await answer;
  assert.equal(dres.status(), 200, await dres.text());
  await admin.page.locator('.modal').waitFor({ state: 'detached' });
  const decided = admin.page.locator('#view .mtg-item-decided', { hasText: String(stamp) });
  await decided.waitFor();
  assert.match(await decided.locator('[data-key=lead]').textContent(), new RegExp(LEAD.name));
  const partners = await decided.locator('[data-key=partners]').textContent();
  for (const x of [...PARTNERS.map((p) => p.name), street.name])
    assert.ok(partners.includes(x), `partners show ${x}: ${partners}`);
  assert.equal(await decided.locator('.mtg-tasks tbody tr').count(), 3, 'three follow-up tasks');
  await fullShot(admin.page, join(OUT, 'meeting-decided-zh-1440.png'));
  assertClean(admin.problems, 'the admin deciding');

  /* 4. the minutes: printable HTML in Chromium (print media, a screenshot and a PDF), and the .docx */
  const minutes = await admin.context.newPage();
  const mres = await minutes.goto(`${BASE}/api/v1/meetings/${meetingId}/minutes`);
  assert.equal(mres.status(), 200);
  assert.match(mres.headers()['content-type'], /text\/html/);
  await minutes.emulateMedia({ media: 'print' });
  const text = await minutes.locator('body').innerText();
  for (const s of ['会议纪要', title, LEAD.name, PARTNERS[0].name, tasks[2].title])
    assert.ok(text.includes(s), `the minutes name ${s}`);
  await minutes.screenshot({ path: join(OUT, 'meeting-minutes-print.png'), fullPage: true });
  const pdf = await minutes.pdf({ path: join(OUT, 'meeting-minutes.pdf'), format: 'A4', printBackground: true });
  assert.ok(pdf.length > 5000, `the minutes print (${pdf.length} bytes of PDF)`);
  assert.equal(readFileSync(join(OUT, 'meeting-minutes.pdf')).subarray(0, 4).toString(), '%PDF');
  await minutes.close();
  const docx = await admin.context.request.get(`${BASE}/api/v1/meetings/${meetingId}/minutes.docx`);
  assert.equal(docx.status(), 200);
  assert.match(docx.headers()['content-type'], /wordprocessingml/);
  assert.equal((await docx.body()).subarray(0, 2).toString(), 'PK');
  /* the link in the page is the same */
  assert.equal(await admin.page.locator('[data-testid=mtg-docx]').getAttribute('href'), `/api/v1/meetings/${meetingId}/minutes.docx`);

  /* 5. each department's user sees its task in 我的会商任务; 建设局 marks its own done */
  for (const [i, d] of [LEAD, ...PARTNERS].entries()) {
    const du = await user(`dept.${d.code}`);
    await open(du.page, '#/meetings');
    const row = du.page.locator('[data-testid=my-tasks] tr', { hasText: tasks[i].title });
    await row.waitFor();
    assert.match(await row.textContent(), /进行中/);
    /* only its own */
    for (const [j, other] of tasks.entries())
      if (j !== i)
        assert.equal(await du.page.locator('[data-testid=my-tasks] tr', { hasText: other.title }).count(), 0, `${d.code} sees only its task`);
    if (d.code === PARTNERS[0].code) {
      await row.locator('[data-testid=task-done]').click();
      await du.page.fill('.modal [name=note]', '已完成施工许可预审，待环评批复后即可发证');
      const done = du.page.waitForResponse((r) => /\/meeting-tasks\/\d+$/.test(r.url()));
      await du.page.click('[data-testid=task-save]');
      assert.equal((await done).status(), 200);
      await du.page.locator('[data-testid=my-tasks] details tr', { hasText: tasks[i].title }).waitFor({ state: 'attached' });
    }
    /* the meeting page in the menu, and the meeting itself */
    assert.equal(await du.page.locator('.sidebar a.nav-link[data-route=meetings]').count(), 1);
    assertClean(du.problems, `dept.${d.code}`);
    await du.context.close();
  }

  /* 6. the meeting is held; the next one carries the two unfinished tasks */
  await open(admin.page, `#/meetings/${meetingId}`);
  await admin.page.click('[data-testid=mtg-held]');
  await admin.page.click('[data-testid=confirm-ok]');
  await admin.page.locator('#view [data-key=status] .badge', { hasText: '已召开' }).waitFor();
  const next = await api(admin.page, 'POST', '/api/v1/meetings', {
    title: `联席会商（下一次）${stamp}`, held_on: dayFromToday(14), level: 'district',
    departments: [deptId(LEAD.name), ...PARTNERS.map((x) => deptId(x.name))], streets: [],
  });
  assert.equal(next.status, 201, next.text);
  ctx.nextMeeting = next.json.id;
  await open(admin.page, `#/meetings/${next.json.id}`);
  const carried = admin.page.locator('#view [data-testid=carried]');
  await carried.locator('tr', { hasText: tasks[0].title }).waitFor();
  await carried.locator('tr', { hasText: tasks[2].title }).waitFor();
  assert.equal(await carried.locator('tr', { hasText: tasks[1].title }).count(), 0, 'a task done is not carried');
  assert.match(await carried.locator('tr', { hasText: tasks[0].title }).textContent(), /往次遗留/);

  /* 7. the request's history says what was decided, linked to the meeting; the lead department holds it */
  await open(officer.page, `#/requests/${reqId}`);
  const ev = officer.page.locator('#view [data-testid=history] li[data-action=meeting_decided]');
  await ev.waitFor();
  const evText = await ev.textContent();
  assert.match(evText, /联席会商议定/);
  assert.match(evText, /会商决定：由自然资源和规划分局牵头/);
  assert.match(evText, new RegExp(`牵头单位：${LEAD.name}`));
  assert.ok(evText.includes(title), 'the meeting is named');
  assert.equal(await ev.locator('a[data-testid=meeting-link]').getAttribute('href'), `#/meetings/${meetingId}`);
  assert.match(await officer.page.locator('#view [data-key=department]').textContent(), new RegExp(LEAD.name));
  await fullShot(officer.page, join(OUT, 'request-meeting-decided-zh-1440.png'));
  /* the enterprise reads the outcome, with no way into the meeting */
  await open(ent.page, `#/requests/${reqId}`);
  const entEv = ent.page.locator('#view [data-testid=history] li[data-action=meeting_decided]');
  await entEv.waitFor();
  assert.match(await entEv.textContent(), /牵头单位/);
  assert.equal(await entEv.locator('a').count(), 0);
  assert.equal(await ent.page.locator('.sidebar a.nav-link[data-route=meetings]').count(), 0, 'no meetings for an enterprise');
  assertClean(ent.problems, 'the enterprise');
  assertClean(officer.problems, 'the officer');

  /* 8. the dashboard counts the item */
  await open(admin.page, '#/meetings');
  const kpi = admin.page.locator('[data-testid=mtg-stats] [data-kpi=items_decided] .kpi-value');
  await kpi.waitFor();
  assert.ok(Number((await kpi.textContent()).replace(/\D/g, '')) >= 1);
  assertClean(admin.problems, 'the admin');
  ctx.meetingId = meetingId;
  for (const p of [admin, ent, officer])
    await p.context.close();
});

test('a task past its deadline says 已超期 in words in the department\'s list', { skip }, async () => {
  const admin = await user('admin', process.env.ZONEOPS_ADMIN_PASSWORD);
  const depts = (await api(admin.page, 'GET', '/api/v1/departments')).json.items;
  const dept = depts.find((d) => d.name === '财政局');
  const m = await api(admin.page, 'POST', '/api/v1/meetings', { title: `上月联席会商 ${stamp}`, held_on: dayFromToday(-30), level: 'district', departments: [dept.id], streets: [] });
  assert.equal(m.status, 201, m.text);
  const it = await api(admin.page, 'POST', `/api/v1/meetings/${m.json.id}/items`, { kind: 'topic', title: `企业奖补资金拨付 ${stamp}` });
  assert.equal(it.status, 201, it.text);
  const title = `拨付技改奖补资金 ${stamp}`;
  const d = await api(admin.page, 'PUT', `/api/v1/meetings/${m.json.id}/items/${it.json.id}/decision`, {
    decision: '财政局于会后五日内拨付。', lead_department_id: dept.id, partners: { departments: [], streets: [] },
    tasks: [{ title, department_id: dept.id, due_on: dayFromToday(-25) }],
  });
  assert.equal(d.status, 200, d.text);
  const du = await user('dept.czj');
  await open(du.page, '#/meetings');
  const row = du.page.locator('[data-testid=my-tasks] tr', { hasText: title });
  await row.waitFor();
  assert.match(await row.textContent(), /已超期/);
  assert.equal(await row.locator('.mtg-state').getAttribute('data-state'), 'overdue');
  assertClean(du.problems, 'dept.czj');
  await du.context.close();
  await admin.context.close();
});

test('axe: the meetings list, a meeting and the decision dialog in Chinese and English, with screenshots at 1440×900', { skip, timeout: 480000 }, async () => {
  const found = [];
  for (const lang of ['zh', 'en']) {
    const p = await newPage(DESKTOP, { fn: (l) => localStorage.setItem('zoneops.lang', l), arg: lang });
    await login(p.page, p.problems, 'admin', process.env.ZONEOPS_ADMIN_PASSWORD);
    await open(p.page, '#/meetings');
    await p.page.locator('[data-testid=mtg-stats] .kpi').first().waitFor();
    found.push(...await axe(p.page, `${lang} #/meetings`));
    await fullShot(p.page, join(OUT, `meetings-list-${lang}-1440.png`));
    const list = (await api(p.page, 'GET', '/api/v1/meetings')).json.items;
    const id = ctx.meetingId || (list[0] && list[0].id);
    if (id) {
      await open(p.page, `#/meetings/${id}`);
      found.push(...await axe(p.page, `${lang} #/meetings/${id}`));
      await fullShot(p.page, join(OUT, `meeting-${lang}-1440.png`));
      await p.page.locator('[data-testid=item-decide]').first().click();
      await p.page.locator('.modal form').waitFor();
      found.push(...await axe(p.page, `${lang} decision dialog`));
      await p.page.screenshot({ path: join(OUT, `meeting-decision-${lang}-1440.png`) });
      await p.page.keyboard.press('Escape');
    }
    if (ctx.nextMeeting) {
      await open(p.page, `#/meetings/${ctx.nextMeeting}`);
      found.push(...await axe(p.page, `${lang} next meeting`));
      await fullShot(p.page, join(OUT, `meeting-carried-${lang}-1440.png`));
    }
    assertClean(p.problems, `admin ${lang}`);
    await p.context.close();
    /* a department's user: its tasks */
    const du = await newPage(DESKTOP, { fn: (l) => localStorage.setItem('zoneops.lang', l), arg: lang });
    await login(du.page, du.problems, 'dept.zrgh', DEMO_PASSWORD);
    await open(du.page, '#/meetings');
    found.push(...await axe(du.page, `${lang} dept #/meetings`));
    await fullShot(du.page, join(OUT, `meetings-dept-${lang}-1440.png`));
    assertClean(du.problems, `dept ${lang}`);
    await du.context.close();
  }
  assert.deepEqual(found, [], `serious or critical accessibility violations:\n  ${found.join('\n  ')}`);
});
