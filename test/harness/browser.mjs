// Headless Debian chromium driven by playwright-core (no browser download). The flags keep it
// offline and quiet: every host name except 127.0.0.1 fails to resolve, so a stray request can never
// leave the machine, and the background services that would phone home are off.
import { chromium } from 'playwright-core';
import { chromiumPath } from './harnessEnv.mjs';

export const chromiumArgs = [
	'--no-sandbox', // we run as root in CI containers
	'--disable-dev-shm-usage',
	'--disable-gpu',
	'--no-first-run',
	'--no-default-browser-check',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-default-apps',
	'--disable-sync',
	'--disable-extensions',
	'--disable-client-side-phishing-detection',
	'--disable-domain-reliability',
	'--metrics-recording-only',
	'--disable-breakpad',
	'--password-store=basic',
	'--use-mock-keychain',
	'--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater',
	'--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

/** Launches chromium and one page; the caller closes `browser`. */
export async function launchBrowser({ viewport = { width: 1440, height: 900 } } = {}) {
	const browser = await chromium.launch({
		executablePath: chromiumPath,
		headless: true,
		args: chromiumArgs,
		timeout: 60_000,
	});
	const context = await browser.newContext({ viewport, locale: 'en-US' });
	const page = await context.newPage();
	return { browser, context, page };
}

/**
 * Records every request for a host other than 127.0.0.1, so a run can assert it stayed local.
 * Webview resources use VS Code's `*.vscode-resource.vscode-cdn.net` URLs, but the webview's service
 * worker answers those from the local server. Such a request counts only when it really went out:
 * answered by the network rather than the service worker, or failed with a network error (the
 * resolver rules make it fail, but it still shows intent). One still pending, or aborted because
 * its webview closed first (a test that disposes a panel while it loads), never left the browser.
 * Requests for any other host always count.
 */
const webviewResource = /^https:\/\/[^/]+\.vscode-resource\.vscode-cdn\.net\//;

export function trackForeignRequests(context) {
	const foreign = new Set();
	const resources = new Set();
	const isLocal = url => {
		if (/^(data|blob|about|chrome|chrome-extension|vscode-webview):/.test(url)) return true;
		try {
			const { hostname } = new URL(url);
			return hostname === '127.0.0.1' || hostname === 'localhost';
		} catch {
			return false;
		}
	};
	context.on('request', request => {
		if (isLocal(request.url())) return;
		if (webviewResource.test(request.url())) resources.add(request);
		else foreign.add(request);
	});
	context.on('response', response => {
		const request = response.request();
		if (!resources.delete(request)) return;
		if (!response.fromServiceWorker()) foreign.add(request);
	});
	context.on('requestfailed', request => {
		if (!resources.delete(request)) return;
		if (!/ERR_ABORTED/.test(request.failure()?.errorText ?? '')) foreign.add(request);
	});
	return {
		get urls() {
			return [...new Set([...foreign].map(r => r.url()))];
		},
	};
}
