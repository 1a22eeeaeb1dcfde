import * as assert from 'node:assert/strict';
import { createRenderThrottle, type ThrottleTimers } from '../../../../src/core/lens/renderThrottle';
import { summarize, TimingStats } from '../../../../src/core/lens/timingStats';

function fakeTimers() {
	let t = 0;
	const pending: { at: number; fn: () => void; id: number }[] = [];
	let nextId = 1;
	const timers: ThrottleTimers = {
		now: () => t,
		setTimeout: (fn, ms) => {
			const id = nextId++;
			pending.push({ at: t + ms, fn, id });
			return id;
		},
		clearTimeout: id => {
			const i = pending.findIndex(p => p.id === id);
			if (i >= 0) pending.splice(i, 1);
		},
	};
	const advance = (ms: number) => {
		const end = t + ms;
		for (;;) {
			pending.sort((a, b) => a.at - b.at);
			const next = pending[0];
			if (!next || next.at > end) break;
			pending.shift();
			t = next.at;
			next.fn();
		}
		t = end;
	};
	return { timers, advance, pending };
}

describe('lens render throttle', () => {
	it('renders at once after a quiet period, then at most once per interval with the latest state', () => {
		const { timers, advance } = fakeTimers();
		const runs: number[] = [];
		const throttle = createRenderThrottle(() => runs.push(timers.now()), 200, timers);
		throttle.request();
		assert.deepEqual(runs, [0], 'the first request runs immediately');
		// 19 keystrokes 10 ms apart collapse into one trailing run at 200 ms.
		for (let i = 0; i < 19; i++) {
			advance(10);
			throttle.request();
		}
		assert.deepEqual(runs, [0], 'requests inside the interval wait');
		advance(10);
		assert.deepEqual(runs, [0, 200]);
		advance(1000);
		assert.deepEqual(runs, [0, 200], 'nothing pending: nothing runs');
		throttle.request();
		assert.deepEqual(runs, [0, 200, 1200], 'after a pause: immediate again');
	});

	it('never runs more than once per interval under continuous requests', () => {
		const { timers, advance } = fakeTimers();
		const runs: number[] = [];
		const throttle = createRenderThrottle(() => runs.push(timers.now()), 200, timers);
		for (let i = 0; i < 500; i++) {
			throttle.request();
			advance(7);
		}
		for (let i = 1; i < runs.length; i++) assert.ok(runs[i] - runs[i - 1] >= 200, `runs ${runs[i - 1]} and ${runs[i]} are too close`);
		assert.ok(runs.length >= 17 && runs.length <= 19, `${runs.length} runs in 3.5 s`);
	});

	it('flush runs a pending request now; dispose drops it', () => {
		const { timers, advance } = fakeTimers();
		let runs = 0;
		const throttle = createRenderThrottle(() => runs++, 200, timers);
		throttle.request();
		throttle.request();
		throttle.flush();
		assert.equal(runs, 2);
		throttle.request();
		throttle.dispose();
		advance(1000);
		throttle.request();
		assert.equal(runs, 2);
	});
});

describe('lens timing stats', () => {
	it('summarizes median, p95 (nearest rank) and max', () => {
		const s = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
		assert.deepEqual({ ...s, mean: Math.round(s.mean * 10) / 10 }, { count: 100, median: 50, p95: 95, max: 100, mean: 50.5 });
		assert.deepEqual(summarize([]), { count: 0, median: 0, p95: 0, max: 0, mean: 0 });
	});

	it('keeps the newest samples per handler and times functions, also when they throw', () => {
		const stats = new TimingStats(3);
		for (const ms of [1, 2, 3, 4]) stats.record('change', ms);
		assert.deepEqual(stats.list('change'), [2, 3, 4]);
		let t = 0;
		const clock = () => (t += 5);
		assert.throws(() =>
			stats.time('render', clock, () => {
				throw new Error('x');
			}),
		);
		assert.deepEqual(stats.list('render'), [5]);
		assert.deepEqual(stats.names(), ['change', 'render']);
	});
});
