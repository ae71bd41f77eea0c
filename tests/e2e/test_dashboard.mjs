// The labeling dashboard end to end: the real binary with the demo data set (ESOL), Debian's
// Chromium, real keyboard and mouse events. Each test checks the server's own record of what
// the UI did, and saves screenshots of the tabs it visits.
import assert from 'node:assert/strict';
import { test, before, after } from 'node:test';
import { clickUntil, collectErrors, openTab, parseArgs, signIn as signInWithToken, startServer, launchBrowser, waitForState,
         waitFrames, clickWidget, screenshot, state } from './lib.mjs';

const args = parseArgs();
let server, browser, tokens;

before(async () => {
  server = await startServer(args.binary, { extraArgs: ['--demo'], readyTimeoutMs: 240000 });
  const admin = server.stdout().match(/^\s*admin\s+(\S+)\s*$/m);
  const scientist = server.stdout().match(/^\s*scientist\s+(\S+)\s*$/m);
  assert.ok(admin && scientist, 'the demo prints an admin and a scientist token:\n' + server.stdout());
  tokens = { admin: admin[1], scientist: scientist[1] };
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function api(path, token, body) {
  const res = await fetch(server.url + path.replace(/^\//, ''), {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** Opens the app and signs in through the sign-in form with the real keyboard. */
async function signIn(role) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await signInWithToken(page, server.url, tokens[role], {
    ready: (s) => s.signed_in && s.user.role === (role === 'admin' ? 'admin' : 'scientist') &&
                  s.model && s.queue.loaded > 0 && s.tab === 'Label Queue',
    what: `${role} signed in with the queue loaded`,
  });
  return { context, page, errors };
}

test('a scientist labels an item with Save & Next and the server has it', async () => {
  const { context, page, errors } = await signIn('scientist');
  await screenshot(page, args.artifacts, 'dashboard-queue-scientist');
  const first = (await state(page)).queue.rows[0];
  // A click on the first row opens it in the Labeling tab.
  await clickWidget(page, 'queue_row_0');
  let s = await waitForState(page, (st) => st.tab === 'Labeling' && st.current && st.current.id === first.id,
                             'the first item in the Labeling tab');
  await waitForState(page, (st) => st.current.similar > 0 && st.current.browser_prediction,
                     'similar compounds and the ensemble spread');
  await clickWidget(page, 'label_value');
  await page.keyboard.type('-2.35');
  await page.keyboard.press('Enter'); // Enter = Save & Next
  s = await waitForState(page, (st) => st.current && st.current.id !== first.id && !st.saving,
                         'the next item after Save & Next');
  await screenshot(page, args.artifacts, 'dashboard-labeling');
  const saved = await api(`/api/v1/active-learning/queue/${first.id}`, tokens.scientist);
  assert.equal(saved.status, 200);
  assert.equal(saved.body.status, 'labeled');
  assert.equal(saved.body.label, -2.35);
  assert.equal(saved.body.label_source, 'experimental');
  assert.equal(saved.body.labeled_by_name, 'scientist');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a scientist skips an item with the S key', async () => {
  const { context, page } = await signIn('scientist');
  await openTab(page, 'tab_labeling', 'Labeling');
  const s = await waitForState(page, (st) => st.current && st.current.status === 'pending', 'an open item');
  const skipped = s.current.id;
  await page.mouse.click(5, 5); // make sure no text field has the keyboard
  await waitFrames(page, 3);
  await page.keyboard.press('s');
  await waitForState(page, (st) => st.current && st.current.id !== skipped, 'the next item after the skip');
  // A skip is a local change that the sync sends (it works offline too): the server has it
  // once the op has left the app's log (a loaded CI box read the server before that).
  await waitForState(page, (st) => !st.sync.pending_ops.some((op) => op.item_id === skipped),
                     'the skip synced');
  const server_item = await api(`/api/v1/active-learning/queue/${skipped}`, tokens.scientist);
  assert.equal(server_item.body.status, 'skipped');
  await context.close();
});

test('an admin bulk-assigns selected rows', async () => {
  const { context, page } = await signIn('admin');
  await waitForState(page, (st) => st.widgets.bulk_assign, 'the bulk actions');
  const rows = (await state(page)).queue.rows.slice(0, 3).map((r) => r.id);
  // Ctrl+click the first row, Shift+click the third: rows 1-3 selected.
  await page.keyboard.down('Control');
  await clickWidget(page, 'queue_row_0');
  await page.keyboard.up('Control');
  await page.keyboard.down('Shift');
  await clickWidget(page, 'queue_row_2');
  await page.keyboard.up('Shift');
  await waitForState(page, (st) => st.queue.rows.filter((r) => r.selected).length === 3, 'three selected rows');
  await clickWidget(page, 'bulk_assign');
  await waitForState(page, (st) => st.notices.some((n) => /Assigned 3 items/.test(n.text)), 'the assignment notice');
  await screenshot(page, args.artifacts, 'dashboard-bulk-assign');
  const users = await api('/api/v1/users', tokens.admin);
  const assignee = users.body.users[0];
  for (const id of rows) {
    const item = await api(`/api/v1/active-learning/queue/${id}`, tokens.admin);
    assert.equal(item.body.assigned_to, assignee.id, `item ${id} assigned`);
  }
  await context.close();
});

test('a scientist cannot bulk-assign: no bulk buttons, and the API says 403', async () => {
  const { context, page } = await signIn('scientist');
  // The queue loads after sign-in; on a loaded machine that takes a few frames.
  const s = await waitForState(page, (st) => st.widgets.bulk_admin_only && st.queue.rows.length > 0,
    'the queue and the admin-only note');
  assert.ok(s.widgets.bulk_admin_only, 'the UI says bulk actions are for admins');
  assert.equal(s.widgets.bulk_assign, undefined);
  const users = await api('/api/v1/me', tokens.scientist);
  const res = await api('/api/v1/active-learning/queue/bulk-assign', tokens.scientist,
                        { item_ids: [s.queue.rows[0].id], user_id: users.body.id });
  assert.equal(res.status, 403);
  assert.equal(res.body.error.code, 'forbidden');
  await context.close();
});

test('an admin previews a selection in the browser and adds it to the queue', async () => {
  const { context, page } = await signIn('admin');
  await openTab(page, 'tab_selection', 'Sample Selection');
  await waitForState(page, (st) => st.model_loaded, 'the model downloaded into the browser');
  const before_total = (await api(`/api/v1/active-learning/queue?model_id=${(await state(page)).model.id}&limit=1`,
                                  tokens.admin)).body.total;
  {
    const runs = (await state(page)).preview.runs;
    await clickUntil(page, 'preview_button', (st) => st.preview.runs > runs, 'the preview started');
  }
  const s = await waitForState(page, (st) => st.preview.rows.length === 20, 'a preview of 20 compounds');
  assert.ok(s.preview.pool > 100, 'the whole unlabeled pool was scored in the browser');
  // Reported, not asserted (no timing thresholds in tests): how long the preview took and the
  // longest any frame spent on it (the pool is scored a slice per frame).
  console.log(`# preview of ${s.preview.pool} compounds: ${s.preview.ms.toFixed(1)} ms in all, ` +
              `at most ${s.preview.max_frame_ms.toFixed(1)} ms in one frame`);
  await screenshot(page, args.artifacts, 'dashboard-selection-preview');
  await clickWidget(page, 'add_to_queue_button');
  await waitForState(page, (st) => st.notices.some((n) => /Added \d+ compounds/.test(n.text)), 'the added notice');
  const after_total = (await api(`/api/v1/active-learning/queue?model_id=${s.model.id}&limit=1`, tokens.admin)).body.total;
  assert.equal(after_total - before_total, 20);
  await context.close();
});

test('an admin retrains and sees the new cycle with before/after metrics', async () => {
  // Label enough items of the open cycle through the API first (the UI path is tested above).
  const model = (await api('/api/v1/models', tokens.admin)).body.models.find((m) => m.status === 'active');
  const queue = (await api(`/api/v1/active-learning/queue?model_id=${model.id}&status=pending&limit=12`,
                           tokens.admin)).body.items;
  for (const [i, item] of queue.entries()) {
    const r = await api(`/api/v1/active-learning/queue/${item.id}/label`, tokens.scientist,
                        { label: -1 - i / 10, source: 'experimental', confidence: 'high' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const { context, page } = await signIn('admin');
  await openTab(page, 'tab_cycles', 'Cycle History');
  await waitForState(page, (st) => st.widgets.retrain_button && st.cycles.length > 0, 'the retrain button');
  await clickWidget(page, 'retrain_button');
  await waitForState(page, (st) => st.job && st.job.status, 'the retraining job');
  const s = await waitForState(page, (st) => st.model && st.model.version === model.version + 1 &&
                                             st.cycles.some((c) => c.status === 'complete' &&
                                                            Object.keys(c.metrics_after || {}).length > 0),
                               'the new model version and a completed cycle', 180000);
  const done = s.cycles.find((c) => c.status === 'complete');
  assert.ok(Object.keys(done.metrics_before).length > 0, 'metrics before');
  await screenshot(page, args.artifacts, 'dashboard-cycle-history');
  await context.close();
});

test('Sample Selection pools: an uploaded SMILES file and a named dataset, scored in the browser', async () => {
  const { context, page } = await signIn('admin');
  await openTab(page, 'tab_selection', 'Sample Selection');
  await waitForState(page, (st) => st.model_loaded, 'the model downloaded into the browser');
  // Open the pool combo and pick an entry, again if a click was lost (on a loaded machine the
  // combo's popup can miss the click that should open it or choose the entry).
  const pick = async (option) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await clickUntil(page, 'pool_kind', (st) => st.pool_kind === option || (st.widgets && st.widgets[`pool_option_${option}`]),
          'the pool list open');
        if ((await state(page)).pool_kind !== option) {
          await clickWidget(page, `pool_option_${option}`);
        }
        return await waitForState(page, (st) => st.pool_kind === option, `pool option ${option}`, 5000);
      } catch (e) {
        if (attempt >= 4) throw e;
      }
    }
  };
  // Upload a file of SMILES through the browser's file chooser.
  await pick(1);
  const smiles = ['CCO', 'c1ccccc1O', 'CC(=O)Nc1ccc(O)cc1', 'CCCCCCCC', 'OC(=O)c1ccccc1'];
  const chooser = page.waitForEvent('filechooser');
  await clickWidget(page, 'upload_button');
  await (await chooser).setFiles({ name: 'pool.smi', mimeType: 'text/plain', buffer: Buffer.from(smiles.join('\n') + '\n') });
  await waitForState(page, (st) => st.pasted_bytes > 0, 'the file in the SMILES box');
  {
    const runs = (await state(page)).preview.runs;
    await clickUntil(page, 'preview_button', (st) => st.preview.runs > runs, 'the preview started');
  }
  let s = await waitForState(page, (st) => st.preview.rows.length === smiles.length, 'the uploaded compounds scored');
  assert.deepEqual(s.preview.rows.map((r) => r.smiles).sort(), [...smiles].sort());
  assert.ok(s.preview.rows.every((r) => Number.isFinite(r.uncertainty) && r.uncertainty >= 0));
  // Five compounds against the default batch of 20: the whole pool, and the page says why.
  assert.ok(s.preview.batch_asked > smiles.length, `batch asked ${s.preview.batch_asked}`);
  await screenshot(page, args.artifacts, 'dashboard-selection-upload');
  // A file with an unparsable SMILES: the preview names its line and chooses nothing.
  {
    const bad = page.waitForEvent('filechooser');
    await clickWidget(page, 'upload_button');
    await (await bad).setFiles({ name: 'bad.smi', mimeType: 'text/plain', buffer: Buffer.from('CCO\n\nC1CC(\nCCN\n') });
    await waitForState(page, (st) => st.pasted_bytes === 15, 'the bad file in the SMILES box');
    const runs = (await state(page)).preview.runs;
    await clickUntil(page, 'preview_button', (st) => st.preview.runs > runs, 'the preview started');
    s = await waitForState(page, (st) => !st.preview.running && st.preview.error !== '', 'the refusal');
    assert.match(s.preview.error, /^line 3: /);
    assert.equal(s.preview.rows.length, 0);
  }
  // A named dataset (the demo's import is called "esol").
  await pick(2);
  {
    const runs = (await state(page)).preview.runs;
    await clickUntil(page, 'preview_button', (st) => st.preview.runs > runs, 'the preview started');
  }
  s = await waitForState(page, (st) => st.preview.rows.length === 20 && st.preview.pool > 500, 'the dataset scored');
  assert.ok(s.preview.rows.every((r) => r.compound_id));
  await context.close();
});
