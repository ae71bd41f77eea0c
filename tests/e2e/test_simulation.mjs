// Cycle History overlays a retrospective simulation: the real binary runs a small
// `labelloop simulate` on ESOL, an admin picks its simulation.json through the browser's
// file chooser (real mouse clicks), and the app's state shows the mean curves drawn over the
// model's real learning curve. A file that is not a simulation gives an error notice.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { collectErrors, openTab, parseArgs, signIn, startServer, launchBrowser, waitForState, clickWidget,
         screenshot } from './lib.mjs';

const args = parseArgs();
// The team's reference data sets sit next to the checkout (../shared/data).
const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/esol.csv');
let server, browser, adminToken, simulationJson;

before(async () => {
  // 150 real ESOL rows, 2 strategies, 2 cycles of 10, tiny ensembles: a few seconds.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labelloop-sim-e2e-'));
  const csv = path.join(dir, 'esol150.csv');
  fs.writeFileSync(csv, fs.readFileSync(DATA, 'utf8').split('\n').slice(0, 151).join('\n') + '\n');
  execFileSync(args.binary, ['simulate', '--data', csv, '--smiles', 'smiles',
    '--target', 'measured log solubility in mols per litre', '--task', 'regression',
    '--strategy', 'random,uncertainty', '--batch', '10', '--cycles', '2', '--init', '20',
    '--seeds', '1', '--members', '4', '--params', '{"boosting_rounds":10}',
    '--out', path.join(dir, 'out')], { stdio: ['ignore', 'pipe', 'pipe'] });
  simulationJson = fs.readFileSync(path.join(dir, 'out', 'simulation.json'));
  server = await startServer(args.binary, { extraArgs: ['--demo'], readyTimeoutMs: 240000 });
  const admin = server.stdout().match(/^\s*admin\s+(\S+)\s*$/m);
  assert.ok(admin, 'the demo prints an admin token:\n' + server.stdout());
  adminToken = admin[1];
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('Cycle History imports a simulation and overlays its mean curves', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await signIn(page, server.url, adminToken);
  await openTab(page, 'tab_cycles', 'Cycle History');
  await waitForState(page, (s) => s.tab === 'Cycle History' && s.versions > 0 && s.widgets.import_simulation,
                     'Cycle History with the model versions');

  // Not a simulation: refused with a notice, nothing overlaid.
  let chooser = page.waitForEvent('filechooser');
  await clickWidget(page, 'import_simulation');
  await (await chooser).setFiles({ name: 'pool.json', mimeType: 'application/json', buffer: Buffer.from('{"smiles": []}') });
  let s = await waitForState(page, (st) => st.notices.some((n) => n.error && /Not a simulation/.test(n.text)),
                             'the refusal notice');
  assert.equal(s.simulation.loaded, false);

  chooser = page.waitForEvent('filechooser');
  await clickWidget(page, 'import_simulation');
  await (await chooser).setFiles({ name: 'simulation.json', mimeType: 'application/json', buffer: simulationJson });
  s = await waitForState(page, (st) => st.simulation.loaded && st.simulation.points_drawn > 0,
                         'the simulation drawn on the learning curve');
  const expected = JSON.parse(simulationJson.toString());
  assert.equal(s.simulation.metric, 'rmse');
  assert.equal(s.simulation.data, 'esol150.csv');
  assert.deepEqual(s.simulation.strategies.map((x) => x.name), ['random', 'uncertainty']);
  const points = expected.strategies.reduce((n, x) => n + x.mean.labels.length, 0);
  assert.equal(s.simulation.points_drawn, points); // every mean point of every strategy
  assert.equal(s.pasted_bytes, 0, 'the JSON did not land in the SMILES pool box');
  await screenshot(page, args.artifacts, 'cycles-simulation-overlay');

  await clickWidget(page, 'clear_simulation');
  s = await waitForState(page, (st) => !st.simulation.loaded && st.simulation.points_drawn === 0, 'the overlay cleared');
  assert.deepEqual(errors, []);
  await context.close();
});
