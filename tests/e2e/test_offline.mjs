// Offline labeling and sync end to end, in Debian's Chromium with profiles on disk: the app
// opens with the network off (service worker + offline store), labels wait in the op log
// across a browser restart, reach the server exactly once, and two scientists labeling the
// same item offline end with one label and one conflict that everyone sees and an admin
// resolves. "Offline" here is the browser's offline mode AND the server process stopped, so
// nothing can come from the network, whatever the service worker does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { clickUntil, collectErrors, openTab, parseArgs, signIn, startServer, launchProfile, waitForState,
         clickWidget, screenshot, state } from './lib.mjs';

const args = parseArgs();
let server, tokens, port, db;

before(async () => {
  server = await startServer(args.binary, { extraArgs: ['--demo'], readyTimeoutMs: 240000 });
  const admin = server.stdout().match(/^\s*admin\s+(\S+)\s*$/m);
  const scientist = server.stdout().match(/^\s*scientist\s+(\S+)\s*$/m);
  assert.ok(admin && scientist, 'the demo prints an admin and a scientist token:\n' + server.stdout());
  tokens = { admin: admin[1], scientist: scientist[1] };
  port = Number(new URL(server.url).port);
  db = server.db;
  // A second scientist, through the API as an admin would.
  const user = await api('/api/v1/users', tokens.admin, { name: 'scientist2', role: 'scientist' });
  assert.equal(user.status, 201);
  const token = await api(`/api/v1/users/${user.body.id}/tokens`, tokens.admin, { label: 'e2e' });
  assert.equal(token.status, 201);
  tokens.scientist2 = token.body.token;
});
after(async () => {
  await server?.stop();
});

async function api(urlPath, token, body) {
  const res = await fetch(`http://127.0.0.1:${port || new URL(server.url).port}${urlPath}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function stopServer() {
  await server.stop();
}
async function restartServer() {
  server = await startServer(args.binary, { dbPath: db, port, readyTimeoutMs: 60000 });
}
/** Browsers a test opened; whatever happens they are closed when it ends (a failed test
 *  that left Chromium running would keep node alive until ctest's timeout). */
const contexts = [];
async function launch(dir) {
  const context = await launchProfile(dir);
  contexts.push(context);
  return context;
}

/** Runs a test body; whatever happens, the server is running again afterwards (a failed
 *  test must not leave the next one without a server) and the test's browsers are closed. */
async function keepingServer(body) {
  try {
    await body();
  } finally {
    for (const context of contexts.splice(0)) await context.close().catch(() => {});
    if (server.proc.exitCode !== null || server.proc.signalCode !== null) await restartServer();
  }
}

async function labeledCount(token) {
  const r = await api('/api/v1/active-learning/queue?status=labeled&limit=1', token);
  assert.equal(r.status, 200);
  return r.body.total;
}

/** A browser profile of its own; signs in online and waits until the page works offline:
 *  service worker in control, queue synced, model and training set fetched, all on disk. */
async function openOnline(role, dir) {
  const context = await launch(dir);
  const page = context.pages()[0] || await context.newPage();
  const errors = collectErrors(page);
  await signIn(page, server.url, tokens[role], {
    ready: (s) => s.signed_in && s.queue.loaded > 0 && s.sync.syncs > 0,
    what: `${role} signed in with the queue synced`, timeoutMs: 60000,
  });
  await openTab(page, 'tab_labeling', 'Labeling');
  await waitForState(page, (s) => s.tab === 'Labeling' && s.model_loaded && s.current &&
                                  s.current.browser_prediction && s.current.similar > 0,
                     'the model and the training set in the browser', 60000);
  await page.waitForFunction(() => window.labelloop.offlineReady && navigator.serviceWorker.controller,
                             null, { timeout: 60000 });
  await waitForState(page, (s) => !s.sync.snapshot_dirty && s.sync.unsaved_writes === 0,
                     'the offline store written');
  return { context, page, errors };
}

/** Restarts a profile's browser with the network off and opens the app from its caches. */
async function reopenOffline(dir) {
  const context = await launch(dir);
  await context.setOffline(true);
  const page = context.pages()[0] || await context.newPage();
  await page.goto(server.url);
  await waitForState(page, (s) => s.ready && s.signed_in && s.queue.loaded > 0,
                     'the app signed in from the offline store', 60000);
  return { context, page };
}

async function labelCurrent(page, value) {
  const before = await waitForState(page, (s) => s.tab === 'Labeling' && s.current && s.current.status !== 'labeled',
                                    'an open item in the Labeling tab');
  // On a loaded machine a keystroke can land before the field is active: type until the
  // form shows the value, then save.
  for (let attempt = 0; ; attempt++) {
    await clickWidget(page, 'label_value');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.type(String(value), { delay: 20 });
    try {
      await waitForState(page, (s) => s.current.form.label === String(value), 'the value typed', 5000);
      break;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
  await page.keyboard.press('Enter'); // Save & Next
  await waitForState(page, (s) => s.sync.pending_ops.some((op) => op.item_id === before.current.id),
                     `the label of ${before.current.id} in the op log`);
  return before.current.id;
}

test('labels made offline survive a reload and a browser restart and reach the server once', async () => keepingServer(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labelloop-profile-'));
  const baseline = await labeledCount(tokens.admin);
  let { context, page, errors } = await openOnline('scientist', dir);

  // Network off (and the server gone): reload the page.
  await context.setOffline(true);
  await stopServer();
  await page.reload();
  let s = await waitForState(page, (st) => st.ready && st.signed_in && st.queue.loaded > 0 &&
                                           st.sync.error === 'offline',
                             'the app reloaded offline', 60000);
  assert.ok(s.sync.served_from_cache > 0, 'API answers came from the offline store');
  await openTab(page, 'tab_labeling', 'Labeling');
  await waitForState(page, (st) => st.tab === 'Labeling' && st.model_loaded && st.current &&
                                   st.current.browser_prediction && st.current.similar > 0,
                     'prediction and similar compounds offline', 60000);

  const values = [-1.5, -2.25, 0.5, -3.75, 1.125];
  const labeled = [];
  for (const v of values) labeled.push(await labelCurrent(page, v));
  s = await waitForState(page, (st) => st.sync.pending === 5 && st.sync.unsaved_writes === 0,
                         'five changes waiting, written to disk');
  assert.equal(new Set(labeled).size, 5);
  assert.ok(s.widgets.sync_status, 'the header shows the sync status');
  await screenshot(page, args.artifacts, 'offline-five-waiting');
  const ops = s.sync.pending_ops;
  assert.deepEqual(ops.map((o) => o.label), values);
  await context.close();

  // Browser restart, still offline: the five labels are still waiting.
  ({ context, page } = await reopenOffline(dir));
  s = await waitForState(page, (st) => st.sync.pending === 5, 'the op log after the restart');
  assert.deepEqual(s.sync.pending_ops.map((o) => o.op_id), ops.map((o) => o.op_id));
  assert.ok(s.queue.rows.length >= 0);

  // Network back: the app syncs by itself.
  await restartServer();
  await context.setOffline(false);
  s = await waitForState(page, (st) => st.sync.pending === 0 && st.sync.error === '',
                         'the op log synced', 60000);
  assert.equal(await labeledCount(tokens.admin), baseline + 5);
  for (let i = 0; i < 5; i++) {
    const item = await api(`/api/v1/active-learning/queue/${labeled[i]}`, tokens.scientist);
    assert.equal(item.body.status, 'labeled');
    assert.equal(item.body.label, values[i]);
    assert.equal(item.body.labeled_by_name, 'scientist');
  }
  await screenshot(page, args.artifacts, 'offline-synced');

  // The same sync, replayed three times: still five labels, each op reported as a duplicate.
  for (let i = 0; i < 3; i++) {
    const replay = await api('/api/v1/sync', tokens.scientist, { protocol: 1, cursor: 0, ops });
    assert.equal(replay.status, 200);
    assert.equal(replay.body.results.length, 5);
    assert.ok(replay.body.results.every((r) => r.duplicate && r.outcome === 'applied'));
  }
  assert.equal(await labeledCount(tokens.admin), baseline + 5);
  assert.deepEqual(errors, []);
  await context.close();
}));

test('two scientists label the same item offline: one wins, the other is a conflict for all to see', async () => keepingServer(async () => {
  const dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'labelloop-profile-a-'));
  const dirB = fs.mkdtempSync(path.join(os.tmpdir(), 'labelloop-profile-b-'));
  const a = await openOnline('scientist', dirA);
  const b = await openOnline('scientist2', dirB);
  const itemA = (await state(a.page)).current.id;
  const itemB = (await state(b.page)).current.id;
  assert.equal(itemA, itemB, 'both open the same first item');

  await a.context.setOffline(true);
  await b.context.setOffline(true);
  await stopServer();
  assert.equal(await labelCurrent(a.page, 1.25), itemA);
  assert.equal(await labelCurrent(b.page, 2.5), itemA);
  await waitForState(b.page, (st) => st.sync.unsaved_writes === 0, 'B written to disk');

  await restartServer();
  await a.context.setOffline(false);
  await waitForState(a.page, (st) => st.sync.pending === 0 && st.sync.error === '', 'A synced', 60000);
  await b.context.setOffline(false);
  const sb = await waitForState(b.page, (st) => st.sync.pending === 0 && st.sync.conflicts.length === 1,
                                'B synced with a conflict', 60000);
  assert.equal(sb.sync.conflicts[0].item_id, itemA);
  assert.equal(sb.sync.conflicts[0].label, 2.5);
  assert.ok(sb.notices.some((n) => /conflict/.test(n.text)), 'B is told about the conflict');
  await screenshot(b.page, args.artifacts, 'offline-conflict-scientist');

  const stored = await api(`/api/v1/active-learning/queue/${itemA}`, tokens.admin);
  assert.equal(stored.body.label, 1.25, 'the first label to arrive wins');
  assert.equal(stored.body.labeled_by_name, 'scientist');

  // A sees it too once it syncs again ("Sync now"), and so does the admin.
  await openTab(a.page, 'tab_queue', 'Label Queue');
  const syncs = (await state(a.page)).sync.syncs;
  await clickUntil(a.page, 'sync_now', (st) => st.sync.syncs > syncs, 'A synced again');
  await waitForState(a.page, (st) => st.sync.conflicts.length === 1 && st.widgets.conflicts_summary,
                     'A sees the conflict');
  const listed = await api('/api/v1/sync/conflicts?status=open', tokens.admin);
  assert.equal(listed.body.conflicts.length, 1);
  await a.context.close();
  await b.context.close();

  // The admin resolves it in the UI: keep both as replicate measurements.
  const dirC = fs.mkdtempSync(path.join(os.tmpdir(), 'labelloop-profile-admin-'));
  const c = await launch(dirC);
  const page = c.pages()[0] || await c.newPage();
  await page.goto(server.url);
  await waitForState(page, (s) => s.ready && s.widgets.token_input, 'the sign-in form');
  await clickWidget(page, 'token_input');
  await page.keyboard.type(tokens.admin, { delay: 2 });
  await waitForState(page, (s) => s.token_typed === tokens.admin.length, 'the token typed');
  await page.keyboard.press('Enter');
  await waitForState(page, (s) => s.signed_in && s.sync.conflicts.length === 1 && s.widgets.conflict_both_0,
                     'the admin sees the conflict with its actions', 60000);
  await screenshot(page, args.artifacts, 'offline-conflict-admin');
  await clickWidget(page, 'conflict_both_0');
  await waitForState(page, (s) => s.sync.conflicts.length === 0, 'the conflict resolved', 30000);
  const resolved = await api('/api/v1/sync/conflicts?status=resolved', tokens.admin);
  assert.equal(resolved.body.conflicts.length, 1);
  assert.equal(resolved.body.conflicts[0].resolution, 'keep_both');
  assert.equal((await api(`/api/v1/active-learning/queue/${itemA}`, tokens.admin)).body.label, 1.25);
  await c.close();
}));

test('an admin previews a selection offline with the cached model and pool; it is queued on sync', async () => keepingServer(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labelloop-profile-select-'));
  const { context, page, errors } = await openOnline('admin', dir);
  let s = await waitForState(page, (st) => st.sync.pool_prefetched > 100 && st.sync.unsaved_writes === 0,
                             'the unlabeled pool kept for offline previews', 60000);
  const modelId = s.model.id;
  const queued = async () => (await api(`/api/v1/active-learning/queue?model_id=${modelId}&limit=1`, tokens.admin)).body.total;
  const before = await queued();

  await context.setOffline(true);
  await stopServer();
  await openTab(page, 'tab_selection', 'Sample Selection');
  await waitForState(page, (st) => st.tab === 'Sample Selection', 'the Sample Selection tab');
  {
    const runs = (await state(page)).preview.runs;
    await clickUntil(page, 'preview_button', (st) => st.preview.runs > runs, 'the preview started');
  }
  s = await waitForState(page, (st) => st.preview.rows.length === 20 && st.preview.pool > 100,
                         'a preview scored offline in the browser', 60000);
  const chosen = s.preview.rows.map((r) => r.compound_id);
  await clickWidget(page, 'add_to_queue_button');
  s = await waitForState(page, (st) => st.sync.pending === 1 && st.sync.pending_ops[0].kind === 'select',
                         'the selection waiting in the op log');
  assert.deepEqual([...s.sync.pending_ops[0].selection.pool.compound_ids].sort(), [...chosen].sort());
  await screenshot(page, args.artifacts, 'offline-selection-waiting');

  await restartServer();
  await context.setOffline(false);
  await waitForState(page, (st) => st.sync.pending === 0 && st.sync.error === '', 'the selection synced', 60000);
  assert.equal(await queued(), before + 20);
  assert.ok(s.notices !== undefined);
  assert.deepEqual(errors, []);
  await context.close();
}));
