import * as assert from 'node:assert/strict';
import { createApi } from '../../../src/extension/api';
import type { Container } from '../../../src/extension/container';

/** Just enough of the container for the API object to be built (nothing is called). */
function fakeContainer(): Container {
	const calls: string[] = [];
	const record = (name: string) => async () => {
		calls.push(name);
	};
	return {
		statusItem: { id: 'agentCost.lens', text: '12 tok · $0.01', tooltip: 'tip' },
		replayPanel: { isOpen: false, current: undefined, ping: record('ping') },
		transcriptEditors: { openSessions: [] },
		secrets: { store: record('store'), delete: record('delete'), has: record('has'), get: async () => 'sk-secret' },
		live: {
			statusBar: { item: { id: 'agentCost.spend' }, current: { text: '$0.00 / $5.00', tooltip: '', severity: 'ok' } },
			spendView: { reload: record('reload'), current: undefined },
			live: { paths: () => ({}), metrics: undefined, refreshStatus: record('refresh'), countExactClaude: record('countExactClaude') },
		},
		lens: { snapshot: undefined, onDidRender: () => ({ dispose() {} }), statsReport: () => ({}), stats: { list: () => [] }, timeline: () => [] },
		gateway: { state: undefined, snapshot: undefined, status: undefined, onDidChange: () => ({ dispose() {} }), start: record('start'), stop: record('stop'), agentEnvironment: () => undefined },
		sessions: { item: { id: 'agentCost.agentSession' }, status: { text: '', tooltip: '' }, snapshot: undefined, refresh: record('refresh') },
	} as unknown as Container;
}

/** Every function reachable from an object, by path. */
function functionsOf(o: unknown, path = 'api', seen = new Set<unknown>()): string[] {
	if (typeof o !== 'object' || o === null || seen.has(o)) return [];
	seen.add(o);
	return Object.entries(o).flatMap(([k, v]) => (typeof v === 'function' ? [`${path}.${k}`] : functionsOf(v, `${path}.${k}`, seen)));
}

describe('the exported API is not a key oracle', () => {
	it('other extensions get read-only counts and spend: nothing to store, delete or test a key, send text or run jobs', () => {
		const api = createApi(fakeContainer(), false);
		assert.equal(api.testing, undefined);
		assert.deepEqual(functionsOf(api).sort(), ['api.lens.onDidRender', 'api.spend.report']);
		assert.equal(api.spend.status.text, '$0.00 / $5.00');
		assert.equal(api.statusBar.text, '12 tok · $0.01');
	});

	it('the test surface (keys, replay requests, exact counts) appears only in test mode', () => {
		const api = createApi(fakeContainer(), true);
		assert.ok(api.testing);
		assert.ok(functionsOf(api).includes('api.testing.secrets.store'));
		assert.ok(functionsOf(api).includes('api.testing.live.countExactClaude'));
		assert.ok(functionsOf(api).includes('api.testing.gateway.start'));
		assert.ok(functionsOf(api).includes('api.testing.sessions.refresh'));
	});
});
