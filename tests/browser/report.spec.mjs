// SPDX-License-Identifier: ISC
//
// report.spec.mjs -- relaybl-http's pages in a real browser
//
// Debian's chromium, driven by playwright-core, goes through what a
// person reporting a relay does: the front page, the report form, the
// host's page, the lookup form, the retest button; once with JavaScript
// (the forms call the JSON API) and once without (they post to the
// plain HTML endpoints). Nothing may be fetched from anywhere but the
// server under test, and no page may log an error (a Content Security
// Policy violation shows up as one).
//
// A plain node script: it prints "ok WHAT" or "FAIL WHAT" for every
// check, details indented below, and exits 1 when anything failed, 2 on
// a usage error. The environment says what to test:
//
//	RELAYBL_URL	the server, e.g. http://127.0.0.1:8080 (required)
//	REPORT_IP	the address to report with JavaScript (127.0.0.77)
//	REPORT_IP_NOJS	the address to report without it (127.0.0.78)
//	SCREENSHOT	where to save a PNG of the host page (none if unset);
//			the front page goes beside it, as NAME-front.png
//	CHROMIUM	the browser (/usr/bin/chromium)
//	BROWSER_DEPS	a directory whose node_modules holds playwright-core,
//			when it is not beside this script
//	TIME_LIMIT	seconds for the whole run (80)
//
// The addresses must be new to the store: each must come out pending.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';

const env = process.env;
if (!env.RELAYBL_URL) {
	console.error('report.spec.mjs: set RELAYBL_URL to the server ' +
	    '(e.g. http://127.0.0.1:8080)');
	process.exit(2);
}
const BASE = new URL(env.RELAYBL_URL);
const ORIGIN = BASE.origin;
const IP = env.REPORT_IP || '127.0.0.77';
const IP_NOJS = env.REPORT_IP_NOJS || '127.0.0.78';
const SCREENSHOT = env.SCREENSHOT || '';
const CHROMIUM = env.CHROMIUM || '/usr/bin/chromium';
const LIMIT = Number(env.TIME_LIMIT || 80) * 1000;
const STEP_TIMEOUT = 15000;

let passed = 0;
let failed = 0;
const t0 = Date.now();

function say(line) {
	process.stdout.write(line + '\n');
}

function detail(text) {
	for (const l of String(text).split('\n').slice(0, 20))
		say('     | ' + l);
}

function ok(what) {
	passed++;
	say(`ok   ${what}`);
}

function fail(what, why) {
	failed++;
	say(`FAIL ${what}`);
	if (why !== undefined)
		detail(why instanceof Error ? why.message : why);
}

function check(what, cond, why) {
	if (cond)
		ok(what);
	else
		fail(what, why);
	return cond;
}

// A step that may throw (a timeout, a missing element): a failure, and
// the steps that need it are skipped by the caller.
// When page is given, a failure also says where it was and what
// #notice said.
async function step(what, fn, page) {
	say(`---- ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
	try {
		await fn();
		return true;
	} catch (e) {
		const lines = String(e && e.message ? e.message : e).split('\n');
		fail(`${what}: ${lines[0]}`, lines.length > 1 ?
		    lines.slice(1).join('\n') : undefined);
		if (page) {
			const n = await page.locator('#notice').first()
			    .textContent({ timeout: 1000 }).catch(() => null);
			detail(`at ${page.url()}, #notice: ` +
			    (n === null ? '(none)' : `'${n.trim()}'`));
		}
		return false;
	}
}

function hostURL(ip) {
	return `${ORIGIN}/hosts/${ip}`;
}

async function loadPlaywright() {
	if (env.BROWSER_DEPS) {
		const req = createRequire(path.join(path.resolve(
		    env.BROWSER_DEPS), 'package.json'));
		return req('playwright-core');
	}
	return await import('playwright-core');
}

// Everything a context asked for that is not the server under test, and
// every error its pages logged.
async function watch(context, label) {
	const w = { foreign: [], errors: [], requests: [] };
	context.on('request', (r) => {
		w.requests.push(`${r.method()} ${r.url()}`);
		let origin;
		try {
			origin = new URL(r.url()).origin;
		} catch {
			origin = r.url();
		}
		if (origin !== ORIGIN)
			w.foreign.push(`${r.method()} ${r.url()}`);
	});
	// Belt and braces: nothing foreign leaves the machine, even if the
	// check above is what fails.
	await context.route((url) => url.origin !== ORIGIN, (route) =>
	    route.abort('blockedbyclient'));
	context.on('page', (p) => attach(p, w, label));
	return w;
}

function attach(page, w, label) {
	page.on('console', (m) => {
		if (m.type() === 'error' || m.type() === 'warning')
			w.errors.push(`${label} console ${m.type()}: ` +
			    `${m.text()} (${page.url()})`);
	});
	page.on('pageerror', (e) => w.errors.push(`${label} page error: ` +
	    `${e.message} (${page.url()})`));
}

async function text(page, sel) {
	return (await page.locator(sel).first().textContent({
	    timeout: STEP_TIMEOUT }) ?? '').trim();
}

// The host page for ip, as expected after a report: state pending.
async function checkHostPage(page, ip, label) {
	check(`${label}: URL is /hosts/${ip}`, page.url() === hostURL(ip),
	    `got ${page.url()}`);
	const title = await page.title();
	check(`${label}: title names ${ip}`, title.includes(ip),
	    `title is '${title}'`);
	const shown = await text(page, '#host-ip');
	check(`${label}: #host-ip is ${ip}`, shown === ip, `got '${shown}'`);
	const state = await text(page, '#host-state');
	check(`${label}: #host-state is pending`, state === 'pending',
	    `got '${state}'`);
	check(`${label}: #evidence is there`,
	    await page.locator('#evidence').count() === 1);
	check(`${label}: #retest-form is there`,
	    await page.locator('#retest-form').count() === 1);
}

async function checkFront(page, label) {
	const res = await page.goto(`${ORIGIN}/`, { waitUntil: 'load' });
	check(`${label}: GET / is 200`, res && res.status() === 200,
	    `status ${res && res.status()}`);
	const title = await page.title();
	check(`${label}: title '${title}' names relaybl`,
	    /^relaybl\b/.test(title), `title is '${title}'`);
	for (const sel of ['#report-form', '#report-ip', '#lookup-ip',
	    '#notice'])
		check(`${label}: front page has ${sel}`,
		    await page.locator(sel).count() === 1);
	const csp = res ? res.headers()['content-security-policy'] : null;
	check(`${label}: front page sent a Content-Security-Policy`, !!csp);
}

// Submit a form by its button and wait for the page that follows.
async function submitAndWait(page, form, urlOrPredicate) {
	await Promise.all([
		page.waitForURL(urlOrPredicate, { timeout: STEP_TIMEOUT,
		    waitUntil: 'load' }),
		page.locator(`${form} button[type=submit]`).click(),
	]);
}

async function withJS(browser, pw) {
	const context = await browser.newContext({ javaScriptEnabled: true,
	    viewport: { width: 1000, height: 900 } });
	context.setDefaultTimeout(STEP_TIMEOUT);
	const w = await watch(context, 'js');
	const page = await context.newPage();
	let hostMain = null;

	await step('with JS: the front page', async () => {
		await checkFront(page, 'js');
		if (SCREENSHOT) {
			const front = SCREENSHOT.replace(/(\.png)?$/i, '-front.png');
			await page.screenshot({ path: front, fullPage: true });
			ok(`js: front page screenshot in ${front}`);
		}
	}, page);

	await step('with JS: a report of something that is no address', async () => {
		await page.fill('#report-ip', 'not-an-address');
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url() ===
			    `${ORIGIN}/api/v1/reports`),
			page.locator('#report-form button[type=submit]').click(),
		]);
		check('js: bad address: the API said 400', res.status() === 400,
		    `status ${res.status()}`);
		await page.waitForFunction(() => {
			const t = document.getElementById('notice').textContent;
			return t && !t.startsWith('Sending');
		});
		const n = await text(page, '#notice');
		say(`     #notice: ${n}`);
		check('js: bad address: #notice says why',
		    /not an IPv4 or IPv6 address/.test(n), `got '${n}'`);
		check('js: bad address: still on the front page',
		    page.url() === `${ORIGIN}/`, `at ${page.url()}`);
		// Chromium logs every 4xx fetch: that one was expected.
		const logged = w.errors.filter((e) => /status of 400/.test(e));
		w.errors = w.errors.filter((e) => !/status of 400/.test(e));
		check('js: bad address: the 400 was logged once, and nothing else',
		    logged.length === 1 && w.errors.length === 0,
		    logged.concat(w.errors).join('\n') || 'nothing logged');
	}, page);

	const reported = await step(`with JS: report ${IP}`, async () => {
		await page.fill('#report-ip', IP);
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url() ===
			    `${ORIGIN}/api/v1/reports` &&
			    r.request().method() === 'POST'),
			page.waitForURL(hostURL(IP), { waitUntil: 'load' }),
			page.locator('#report-form button[type=submit]').click(),
		]);
		// The page has navigated away: the response's body is gone,
		// but what was sent, and the status, are known.
		const sent = res.request();
		check('js: the form called POST /api/v1/reports with JSON',
		    /^application\/json/.test(sent.headers()['content-type'] ||
		    ''), sent.headers()['content-type']);
		let body = null;
		try {
			body = sent.postDataJSON();
		} catch {
			body = sent.postData();
		}
		check(`js: it sent {"ip": "${IP}"}`, body && body.ip === IP,
		    JSON.stringify(body));
		check('js: the API queued it (202)', res.status() === 202,
		    `status ${res.status()}`);
		check('js: no form post to /report',
		    !w.requests.some((r) => r.startsWith(`POST ${ORIGIN}/report`)));
		await checkHostPage(page, IP, 'js report');
		hostMain = await text(page, 'main');
	}, page);

	if (reported) await step(`with JS: look up ${IP}`, async () => {
		await page.goto(`${ORIGIN}/`);
		await page.fill('#lookup-ip', IP);
		await submitAndWait(page, 'form:has(#lookup-ip)', hostURL(IP));
		await checkHostPage(page, IP, 'js lookup');
		const again = await text(page, 'main');
		check('js lookup: the same page as after the report',
		    again === hostMain, `after the report:\n${hostMain}\n` +
		    `after the lookup:\n${again}`);
	}, page);

	if (reported) await step(`with JS: retest ${IP}`, async () => {
		const url = `${ORIGIN}/api/v1/hosts/${IP}/retest`;
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url() === url &&
			    r.request().method() === 'POST'),
			page.locator('#retest-form button[type=submit]').click(),
		]);
		check('js retest: POST /api/v1/hosts/IP/retest answered 202',
		    res.status() === 202, `status ${res.status()}`);
		await page.waitForFunction(() => {
			const t = document.getElementById('notice').textContent;
			return t && !t.startsWith('Requesting');
		});
		const n = await text(page, '#notice');
		say(`     #notice: ${n}`);
		check('js retest: #notice says the retest is requested',
		    /retest/i.test(n) && !/fail|could not/i.test(n), `got '${n}'`);
		check('js retest: still on the host page',
		    page.url() === hostURL(IP), `at ${page.url()}`);
		check('js retest: the button is enabled again',
		    await page.locator('#retest-form button').isEnabled());
		if (SCREENSHOT) {
			await page.screenshot({ path: SCREENSHOT, fullPage: true });
			const png = readFileSync(SCREENSHOT);
			check(`js: host page screenshot in ${SCREENSHOT} ` +
			    `(${png.length} bytes)`, png.length > 1000 &&
			    png.subarray(0, 8).equals(Buffer.from([0x89, 0x50,
			    0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'not a PNG');
		}
	}, page);

	await context.close();
	return w;
}

async function withoutJS(browser) {
	const context = await browser.newContext({ javaScriptEnabled: false,
	    viewport: { width: 1000, height: 900 } });
	context.setDefaultTimeout(STEP_TIMEOUT);
	const w = await watch(context, 'nojs');
	const page = await context.newPage();

	await step('without JS: the front page', async () => {
		await checkFront(page, 'nojs');
	}, page);

	const reported = await step(`without JS: report ${IP_NOJS}`, async () => {
		await page.fill('#report-ip', IP_NOJS);
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url() === `${ORIGIN}/report` &&
			    r.request().method() === 'POST'),
			page.waitForURL(`${ORIGIN}/report`, { waitUntil: 'load' }),
			page.locator('#report-form button[type=submit]').click(),
		]);
		check('nojs report: the form posted to /report (202)',
		    res.status() === 202, `status ${res.status()}`);
		check('nojs report: a form, not JSON',
		    /^application\/x-www-form-urlencoded/.test(
		    res.request().headers()['content-type'] || ''),
		    res.request().headers()['content-type']);
		check('nojs report: no API call',
		    !w.requests.some((r) => r.includes('/api/')),
		    w.requests.join('\n'));
		const state = await text(page, '#host-state');
		check('nojs report: #host-state is pending', state === 'pending',
		    `got '${state}'`);
		const shown = await text(page, '#host-ip');
		check(`nojs report: #host-ip is ${IP_NOJS}`, shown === IP_NOJS,
		    `got '${shown}'`);
		const n = await text(page, '#notice');
		say(`     #notice: ${n}`);
		check('nojs report: #notice says it is queued', /queued/.test(n),
		    `got '${n}'`);
	}, page);

	if (reported) await step(`without JS: look up ${IP_NOJS}`, async () => {
		await page.goto(`${ORIGIN}/`);
		await page.fill('#lookup-ip', IP_NOJS);
		await submitAndWait(page, 'form:has(#lookup-ip)', hostURL(IP_NOJS));
		await checkHostPage(page, IP_NOJS, 'nojs lookup');
	}, page);

	if (reported) await step(`without JS: retest ${IP_NOJS}`, async () => {
		const url = `${ORIGIN}/hosts/${IP_NOJS}/retest`;
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url() === url &&
			    r.request().method() === 'POST'),
			page.waitForURL(url, { waitUntil: 'load' }),
			page.locator('#retest-form button[type=submit]').click(),
		]);
		check('nojs retest: POST /hosts/IP/retest answered 202',
		    res.status() === 202, `status ${res.status()}`);
		const n = await text(page, '#notice');
		say(`     #notice: ${n}`);
		check('nojs retest: #notice has a message', n.length > 0);
		const state = await text(page, '#host-state');
		check('nojs retest: #host-state is still pending',
		    state === 'pending', `got '${state}'`);
	}, page);

	await context.close();
	return w;
}

async function main() {
	say(`report.spec.mjs: ${ORIGIN}, reporting ${IP} (JS) and ` +
	    `${IP_NOJS} (no JS)`);
	const pw = await loadPlaywright();
	const chromium = pw.chromium || (pw.default && pw.default.chromium);
	const profile = await mkdtemp(path.join(os.tmpdir(), 'relaybl-chromium-'));
	let browser;
	const started = await step(`launch ${CHROMIUM}`, async () => {
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			headless: true,
			timeout: 30000,
			args: ['--headless', '--no-sandbox', '--disable-gpu',
			    '--disable-quic', '--no-first-run',
			    '--disable-background-networking',
			    '--disable-component-update', '--disable-sync',
			    '--disable-dev-shm-usage',
			    `--disk-cache-dir=${profile}/cache`],
			env: { ...env, HOME: profile,
			    XDG_CONFIG_HOME: `${profile}/config`,
			    XDG_CACHE_HOME: `${profile}/cache` },
		});
		ok(`chromium ${browser.version()} started`);
	});
	try {
		if (started) {
			const watched = [await withJS(browser, pw),
			    await withoutJS(browser)];
			const foreign = watched.flatMap((w) => w.foreign);
			check('no request left the server under test',
			    foreign.length === 0, foreign.join('\n'));
			const errors = watched.flatMap((w) => w.errors);
			check('no page logged an error or warning',
			    errors.length === 0, errors.join('\n'));
			say(`     ${watched.reduce((n, w) => n + w.requests.length,
			    0)} requests, all to ${ORIGIN}`);
		}
	} finally {
		if (browser)
			await browser.close().catch(() => {});
		await rm(profile, { recursive: true, force: true });
	}
}

const timer = setTimeout(() => {
	fail(`report.spec.mjs: gave up after ${LIMIT / 1000} s`);
	say(`report.spec.mjs: ${passed} passed, ${failed} failed`);
	process.exit(1);
}, LIMIT);
timer.unref();

try {
	await main();
} catch (e) {
	fail(`report.spec.mjs: ${e && e.stack ? e.stack : e}`);
}
say(`report.spec.mjs: ${passed} passed, ${failed} failed in ` +
    `${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed > 0 ? 1 : 0);
