// Shared helpers for LabelLoop's browser end-to-end tests: start the real `labelloop`
// binary on a free loopback port with a fresh database, drive Debian's Chromium through
// playwright-core, read the app's state view, and click named widgets with real mouse events.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export function parseArgs(argv = process.argv.slice(2)) {
  const args = { binary: null, artifacts: path.resolve('test-artifacts') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--binary') args.binary = argv[++i];
    else if (argv[i] === '--artifacts') args.artifacts = argv[++i];
  }
  if (!args.binary) throw new Error('usage: node test_x.mjs --binary path/to/labelloop [--artifacts DIR]');
  fs.mkdirSync(args.artifacts, { recursive: true });
  return args;
}

/** Starts `labelloop serve` (on a free port unless `port` is given: a restart on the same
 *  origin keeps the browser's offline store) and resolves once it prints its URL. */
export async function startServer(binary, { extraArgs = [], dbPath = null, port = 0, readyTimeoutMs = 30000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labelloop-e2e-'));
  const db = dbPath || path.join(dir, 'labelloop.db');
  const proc = spawn(binary, ['serve', '--db', db, '--port', String(port), ...extraArgs],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let out = '';
  proc.stderr.on('data', (d) => { log += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${readyTimeoutMs / 1000} s:\n` + out + log)),
                             readyTimeoutMs);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/open (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${out}${log}`)); });
  });
  return {
    url, db, dir, proc,
    log: () => log,
    stdout: () => out,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal)));
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launchBrowser() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

/** A browser with a profile on disk: closing and relaunching it on the same directory is a
 *  browser restart (IndexedDB, localStorage and the service worker survive). */
export async function launchProfile(userDataDir, viewport = { width: 1400, height: 900 }) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true, viewport,
  });
}

export async function state(page) {
  return page.evaluate(() => window.labelloop.state());
}

/** Polls the app's state view until `predicate(state)` holds; returns that state. */
export async function waitForState(page, predicate, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    try {
      last = await state(page);
      if (predicate(last)) return last;
    } catch (e) {
      last = { error: String(e) };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; last state: ${JSON.stringify(last, null, 1)}`);
}

/** Waits until the app has drawn `frames` more frames (input lands on frame boundaries). */
export async function waitFrames(page, frames = 3) {
  const start = (await state(page)).frame;
  await waitForState(page, (st) => st.frame >= start + frames, `${frames} frames`);
}

/** Clicks the centre of a named widget with a real mouse event, then lets the app see it
 *  (ImGui activates a widget on the frame after the click; keys typed earlier are lost). */
export async function clickWidget(page, name) {
  let s = await waitForState(page, (st) => st.widgets && st.widgets[name], `widget ${name}`);
  let w = s.widgets[name];
  // Like a person: move there, then press and release on separate frames (ImGui only lets
  // overlapping items such as tabs react when they were hovered on the previous frame).
  // If the widget moved while the pointer travelled (the layout changed), aim again.
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.mouse.move(w.x + w.w / 2, w.y + w.h / 2);
    await waitFrames(page, 2);
    s = await waitForState(page, (st) => st.widgets && st.widgets[name], `widget ${name}`);
    const now = s.widgets[name];
    if (now.x === w.x && now.y === w.y && now.w === w.w && now.h === w.h) break;
    w = now;
  }
  await page.mouse.down();
  await waitFrames(page, 1);
  await page.mouse.up();
  await waitFrames(page, 3);
  return w;
}

/** Clicks a widget until the app shows the click took effect (`predicate(state)`): on a
 *  loaded machine a click can land on a frame where a closing popup still owns the mouse. */
export async function clickUntil(page, name, predicate, what, attempts = 4) {
  for (let i = 1; ; i++) {
    await clickWidget(page, name);
    try {
      return await waitForState(page, predicate, what, 5000);
    } catch (e) {
      if (i >= attempts) throw e;
    }
  }
}

/** Types into a text field of the app: click it, clear it, type (ImGui sees each key), until
 * `done(state)` holds; three attempts (a click can land before the field is drawn). */
export async function typeInto(page, widget, text, done) {
  for (let attempt = 1; ; attempt++) {
    await clickWidget(page, widget);
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.type(text, { delay: 5 });
    try {
      return await waitForState(page, done, `'${text}' in ${widget}`, 5000);
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

/** Page errors (uncaught exceptions) of `page`, collected as they happen. */
export function collectErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

/** Opens the app at `url` in `page` and signs in through the sign-in form with the real
 *  keyboard; returns the state once `ready(state)` holds (by default: signed in, a model and
 *  the queue loaded). */
export async function signIn(page, url, token, {
  ready = (s) => s.signed_in && s.model && s.queue.loaded > 0, what = 'signed in', timeoutMs = 30000,
} = {}) {
  await page.goto(url);
  await waitForState(page, (s) => s.ready && s.widgets.token_input, 'the sign-in form');
  await clickWidget(page, 'token_input');
  await page.keyboard.type(token, { delay: 2 });
  await waitForState(page, (s) => s.token_typed === token.length || s.signed_in, 'the token typed');
  await page.keyboard.press('Enter');
  return waitForState(page, ready, what, timeoutMs);
}

/** Opens a tab by clicking it until the app shows it (`title` is the tab's label). */
export async function openTab(page, widget, title) {
  return clickUntil(page, widget, (s) => s.tab === title, `the ${title} tab`);
}

export async function screenshot(page, artifacts, name) {
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
