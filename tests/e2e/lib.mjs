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

/** Starts `labelloop serve` on port 0 and resolves once it prints its URL. */
export async function startServer(binary, { extraArgs = [], dbPath = null, readyTimeoutMs = 30000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labelloop-e2e-'));
  const db = dbPath || path.join(dir, 'labelloop.db');
  const proc = spawn(binary, ['serve', '--db', db, '--port', '0', ...extraArgs],
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

/** Clicks the centre of a named widget with a real mouse event. */
export async function clickWidget(page, name) {
  const s = await waitForState(page, (st) => st.widgets && st.widgets[name], `widget ${name}`);
  const w = s.widgets[name];
  await page.mouse.click(w.x + w.w / 2, w.y + w.h / 2);
  return w;
}

export async function screenshot(page, artifacts, name) {
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
