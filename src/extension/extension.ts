// Must stay the first import: it marks when the bundle started to run (activation = load + activate).
import { bundleStart, bundleStartCpu } from './loadClock';
import { performance } from 'node:perf_hooks';
import type * as vscode from 'vscode';
import { ExtensionMode } from 'vscode';
import { Container } from './container';
import { createApi, type AgentCostApi } from './api';

// Every module of the bundle has run once this line runs (ES module order).
const bundleLoaded = performance.now();
const loadCpu = process.cpuUsage(bundleStartCpu);

/** Activation stays cheap: the container wires services; heavy work starts on first use. */
export function activate(context: vscode.ExtensionContext): AgentCostApi {
	const activateStart = performance.now();
	const activateCpu = process.cpuUsage();
	const container = new Container(context);
	context.subscriptions.push(container);
	// The test surface (keys, replay requests, timings) exists only under VS Code's own test runner.
	const api = createApi(container, context.extensionMode === ExtensionMode.Test);
	const end = performance.now();
	const cpu = process.cpuUsage(activateCpu);
	// Reported through the API (bench/results/lens.md): the extension host gives extensions no such
	// number. Between load and activate() VS Code prepares the context (storage over IPC): not ours.
	const loadMs = bundleLoaded - bundleStart;
	const cpuMs = (loadCpu.user + loadCpu.system + cpu.user + cpu.system) / 1000;
	container.lens.activation = { loadMs, activateMs: end - activateStart, totalMs: loadMs + end - activateStart, hostWaitMs: activateStart - bundleLoaded, cpuMs, steps: container.activationSteps };
	return api;
}

export function deactivate(): void {
	// Everything is owned by the container, which VS Code disposes through context.subscriptions.
}
