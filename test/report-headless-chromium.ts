import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import CDP from 'chrome-remote-interface';

/**
 * Opens a local HTML file in Debian's headless Chromium, driven over the DevTools protocol on
 * loopback, and reports what a person would see go wrong: console errors, uncaught exceptions,
 * log errors, and any request that leaves the file (a self-contained report makes none), plus
 * what a check expression evaluated in the page returns. Chromium runs in its own process group
 * with a throw-away profile and is killed on every path.
 */

export interface PageVisit<T> {
  readonly consoleErrors: readonly string[];
  readonly exceptions: readonly string[];
  readonly logErrors: readonly string[];
  /** URLs requested other than the page itself (data: URLs excepted). */
  readonly outsideRequests: readonly string[];
  readonly result: T;
}

const CHROMIUM_CANDIDATES = ['chromium', 'chromium-browser'];

/** The Chromium command, or an error saying how to install it (CI installs it: .ci/run). */
export function chromiumCommand(): string {
  for (const name of CHROMIUM_CANDIDATES) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  throw new Error("headless Chromium is not installed: run `apt-get install -y chromium` (Debian's package; .ci/run installs it in CI)");
}

function waitForDevToolsPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => done(new Error(`chromium did not print its DevTools address within ${timeoutMs} ms; its stderr:\n${stderr.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const m = /DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
      if (m) done(undefined, Number(m[1]));
    };
    const onExit = (code: number | null, signal: string | null) => done(new Error(`chromium exited (code ${code}, signal ${signal}) before DevTools was ready; its stderr:\n${stderr.slice(-2000)}`));
    const done = (error?: Error, port?: number) => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(port!);
    };
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

function killGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  });
}

/**
 * Loads `htmlPath` from a file:// URL, waits for `readyExpression` to be truthy in the page (or
 * the timeout), then returns `checkExpression`'s value (JSON) with every error seen.
 */
export async function visitPage<T>(htmlPath: string, checkExpression: string, options: { readyExpression: string; timeoutMs?: number }): Promise<PageVisit<T>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const profile = mkdtempSync(join(tmpdir(), 'parm-bench-chromium-'));
  const args = [
    '--headless=new',
    '--disable-gpu',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-extensions',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-pings',
    // Nothing may leave the machine: every proxied request goes to a closed loopback port.
    '--proxy-server=127.0.0.1:9',
    '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0',
    `--user-data-dir=${profile}`,
    'about:blank',
  ];
  // Chromium's sandbox refuses to start as root (CI runs as root).
  if (process.getuid?.() === 0) args.unshift('--no-sandbox');
  const child = spawn(chromiumCommand(), args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const onSignal = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', onSignal);
  let client: CDP.Client | undefined;
  try {
    const port = await waitForDevToolsPort(child, timeoutMs);
    const targets = await CDP.List({ host: '127.0.0.1', port });
    const page = targets.find((t) => t.type === 'page');
    if (!page) throw new Error('chromium has no page target');
    client = await CDP({ host: '127.0.0.1', port, target: page });
    const { Runtime, Log, Network, Page } = client;
    const consoleErrors: string[] = [];
    const exceptions: string[] = [];
    const logErrors: string[] = [];
    const outsideRequests: string[] = [];
    const url = pathToFileURL(htmlPath).href;
    Runtime.consoleAPICalled((e) => {
      if (e.type === 'error' || e.type === 'assert') consoleErrors.push(e.args.map((a) => a.value ?? a.description ?? '').join(' '));
    });
    Runtime.exceptionThrown((e) => exceptions.push(e.exceptionDetails.exception?.description ?? e.exceptionDetails.text));
    Log.entryAdded((e) => {
      if (e.entry.level === 'error') logErrors.push(`${e.entry.source}: ${e.entry.text}${e.entry.url ? ` (${e.entry.url})` : ''}`);
    });
    Network.requestWillBeSent((e) => {
      if (e.request.url !== url && !e.request.url.startsWith('data:')) outsideRequests.push(e.request.url);
    });
    await Promise.all([Runtime.enable(), Log.enable(), Network.enable(), Page.enable()]);
    const loaded = Page.loadEventFired();
    await Page.navigate({ url });
    await loaded;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = await Runtime.evaluate({ expression: `Boolean(${options.readyExpression})`, returnByValue: true });
      if (ready.result.value === true) break;
      if (exceptions.length > 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const checked = await Runtime.evaluate({ expression: checkExpression, returnByValue: true, awaitPromise: true });
    if (checked.exceptionDetails) throw new Error(`the check expression failed in the page: ${checked.exceptionDetails.exception?.description ?? checked.exceptionDetails.text}`);
    return { consoleErrors, exceptions, logErrors, outsideRequests, result: checked.result.value as T };
  } finally {
    await client?.close().catch(() => undefined);
    await killGroup(child);
    process.off('exit', onSignal);
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * A page expression: for each chart canvas, its index, size, how many pixels differ from the
 * white background, and how many datasets chart.js holds with points — proof the chart drew.
 */
export const CANVAS_CHECK = `(() => [...document.querySelectorAll('canvas[data-chart-index]')].map((canvas) => {
  const ctx = canvas.getContext('2d');
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235)) inked++;
  }
  const chart = window.Chart && window.Chart.getChart(canvas);
  const datasetsWithPoints = chart ? chart.data.datasets.filter((d) => d.data.length > 0).length : 0;
  return { index: Number(canvas.dataset.chartIndex), width: canvas.width, height: canvas.height, inked, datasetsWithPoints };
}))()`;
