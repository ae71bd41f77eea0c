// A message-passing (D-MPNN) model in the browser: the real binary with the demo data (ESOL),
// Debian's Chromium. An admin creates a small mpnn ensemble on 150 measured compounds in the
// app's New model form (family, members and network sizes; the form keeps saying Training...
// and the page keeps drawing while the server trains) and selects a first batch through the
// API; in the app, the Labeling tab scores the current compound in the browser (graph from RDKit
// MinimalLib's JSON of the molecule) to the server's own prediction, and Sample Selection
// previews an uncertainty batch over the demo pool, whose molecule graphs the server sends
// inside the features. Screenshots of the form and both tabs are saved.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { clickUntil, clickWidget, collectErrors, launchBrowser, openTab, parseArgs, screenshot, signIn, startServer, state,
         waitForState, waitFrames, typeInto } from './lib.mjs';

const args = parseArgs();
// The team's reference data sets sit next to the checkout (../shared/data).
const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/esol.csv');
const MEASURED = 'measured log solubility in mols per litre';
const MODEL = 'Solubility networks';
let server, browser, admin, model, firstBatch;

async function api(urlPath, body) {
  const res = await fetch(server.url + urlPath.replace(/^\//, ''), {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

before(async () => {
  server = await startServer(args.binary, { extraArgs: ['--demo'], readyTimeoutMs: 240000 });
  const m = server.stdout().match(/^\s*admin\s+(\S+)\s*$/m);
  assert.ok(m, 'the demo prints an admin token:\n' + server.stdout());
  admin = m[1];
  // 150 measured compounds of a property of their own; the demo's other compounds are the pool.
  const seed = fs.readFileSync(DATA, 'utf8').split('\n').slice(0, 151).join('\n') + '\n';
  const imported = await api('/api/v1/compounds/import', {
    format: 'csv', content: seed, smiles_column: 'smiles', id_column: 'Compound ID',
    label_column: MEASURED, property: 'solubility', dataset: 'solubility_seed' });
  assert.equal(imported.status, 200, JSON.stringify(imported.body));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an admin creates the mpnn model in the New model form', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await signIn(page, server.url, admin); // on the demo's model
  await clickUntil(page, 'new_model_button', (st) => st.widgets.new_model_create, 'the New model form');
  await typeInto(page, 'new_model_name', MODEL, (st) => st.new_model.name === MODEL);
  await typeInto(page, 'new_model_property', 'solubility', (st) => st.new_model.property === 'solubility');
  await typeInto(page, 'new_model_dataset', 'solubility_seed', (st) => st.new_model.dataset === 'solubility_seed');
  await clickUntil(page, 'new_model_family', (st) => st.widgets.new_model_family_mpnn, 'the family list open');
  let s = await clickUntil(page, 'new_model_family_mpnn', (st) => st.new_model.family === 2 && st.widgets.new_model_depth,
                           'mpnn chosen');
  // The network ensemble's defaults (epochs 0: left to the server, by training set size), then
  // three small networks: enough to have a spread, quick to train on two cores; a size beyond
  // the server's limits is held at the limit.
  assert.equal(s.new_model.members, 5);
  assert.deepEqual(s.new_model.mpnn, { depth: 3, hidden: 64, epochs: 0 });
  await typeInto(page, 'new_model_members', '3', (st) => st.new_model.members === 3);
  await typeInto(page, 'new_model_hidden', '5000', (st) => st.new_model.mpnn.hidden === 512);
  await typeInto(page, 'new_model_hidden', '32', (st) => st.new_model.mpnn.hidden === 32);
  await typeInto(page, 'new_model_epochs', '20', (st) => st.new_model.mpnn.epochs === 20);
  await page.mouse.move(5, 880);
  await waitFrames(page, 3);
  await screenshot(page, args.artifacts, 'mpnn-new-model-form');

  // Create: the form says Training... and the page keeps drawing frames until the answer.
  // (Pressed by hand: clickWidget's wait after the release could outlast a short training.)
  const button = (await state(page)).widgets.new_model_create;
  await page.mouse.move(button.x + button.w / 2, button.y + button.h / 2);
  await waitFrames(page, 2);
  await page.mouse.down();
  await waitFrames(page, 1);
  const t0 = Date.now();
  await page.mouse.up();
  let training = null;
  s = await waitForState(page, (st) => {
    if (st.new_model.submitting) training ??= st;
    return !st.new_model.submitting;
  }, 'the training answered', 120000);
  const ms = Date.now() - t0;
  console.log(`# mpnn create from the form: ${ms} ms, frames ${training?.frame} -> ${s.frame} while training`);
  assert.equal(s.new_model.error, '');
  assert.deepEqual(s.new_model.sent.params,
                   { member_type: 'mpnn', n_members: 3, mpnn: { depth: 3, hidden: 32, epochs: 20 } });
  assert.ok(training, 'the form was seen submitting');
  assert.ok(s.frame > training.frame, `frames drawn while training: ${training.frame} -> ${s.frame}`);
  s = await waitForState(page, (st) => st.model && st.model.name === MODEL &&
                                       st.notices.some((n) => n.text.startsWith(`Model '${MODEL}' v1 trained`)),
                         'the new model active');

  const listed = (await api('/api/v1/models')).body.models.find((m) => m.name === MODEL);
  assert.ok(listed, 'the model is listed');
  assert.equal(listed.params.member_type, 'mpnn');
  assert.equal(listed.params.n_members, 3);
  assert.equal(listed.params.mpnn.depth, 3);
  assert.equal(listed.params.mpnn.hidden, 32);
  assert.equal(listed.params.mpnn.epochs, 20);
  model = listed;
  const selected = await api('/api/v1/active-learning/select',
                             { model_id: model.id, strategy: 'uncertainty', batch_size: 5 });
  assert.equal(selected.status, 201, JSON.stringify(selected.body));
  firstBatch = selected.body.items;
  assert.deepEqual(errors, []);
  await context.close();
});

test('an mpnn model scores in the browser: labeling prediction and a selection preview', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  // The newest model is the one the app opens with.
  await signIn(page, server.url, admin, {
    ready: (s) => s.signed_in && s.model && s.model.name === MODEL && s.queue.loaded > 0,
    what: 'signed in on the mpnn model',
  });

  // Labeling: the browser's prediction for the current compound equals the server's.
  await openTab(page, 'tab_labeling', 'Labeling');
  let s = await waitForState(page, (st) => st.tab === 'Labeling' && st.model_loaded && st.current &&
                                           (st.current.browser_prediction || st.current.prediction_error),
                             'the current compound scored in the browser', 60000);
  assert.equal(s.current.prediction_error, '');
  const item = firstBatch.find((i) => i.id === s.current.id);
  assert.ok(item, `the current item ${s.current.id} is one of the selected batch`);
  assert.equal(s.current.browser_prediction.members, 3);
  const theirs = item.prediction, ours = s.current.browser_prediction.mean;
  assert.ok(Math.abs(ours - theirs) <= 1e-6 * Math.max(1, Math.abs(theirs)),
            `browser ${ours} vs server ${theirs} for ${item.smiles}`);
  assert.ok(s.current.browser_prediction.std > 0, 'the networks disagree a little');
  await page.mouse.move(5, 5);
  await waitFrames(page, 3);
  await screenshot(page, args.artifacts, 'mpnn-labeling');

  // Sample Selection: an uncertainty preview of the pool, graphs from the server.
  await openTab(page, 'tab_selection', 'Sample Selection');
  {
    const runs = (await waitForState(page, (st) => st.tab === 'Sample Selection', 'the tab')).preview.runs;
    await clickUntil(page, 'preview_button', (st) => st.preview.runs > runs, 'the preview started');
  }
  s = await waitForState(page, (st) => !st.preview.running && (st.preview.rows.length > 0 || st.preview.error),
                         'an uncertainty preview', 120000);
  assert.equal(s.preview.error, '');
  assert.equal(s.preview.rows.length, s.preview.batch_asked);
  assert.ok(s.preview.pool > 500, `the pool scored in the browser: ${s.preview.pool}`);
  const picked = new Set(firstBatch.map((i) => i.compound_id));
  assert.ok(s.preview.rows.every((r) => !picked.has(r.compound_id)), 'queued compounds are not offered again');
  console.log(`# mpnn preview of ${s.preview.pool} compounds: ${s.preview.ms.toFixed(1)} ms, ` +
              `at most ${s.preview.max_frame_ms.toFixed(1)} ms in one frame`);
  await screenshot(page, args.artifacts, 'mpnn-selection');
  assert.deepEqual(errors, []);
  await context.close();
});
