import * as assert from 'node:assert/strict';
import { deserializeError, EngineJobError, serializeError } from '../../../../src/core/jobs/jobProtocol';
import { CancelledError } from '../../../../src/core/lib/errors';
import { TranscriptImportError } from '../../../../src/core/transcripts/importErrors';

describe('job protocol: errors across the worker boundary', () => {
	it('typed errors keep their name, reason and plain fields', () => {
		const e = serializeError(new TranscriptImportError('malformed', 'bad JSON', { file: 'a.json', line: 3, column: 7, formatsTried: ['claude-code'] }));
		assert.equal(e.name, 'TranscriptImportError');
		assert.equal(e.reason, 'malformed');
		assert.deepEqual(e.details, { file: 'a.json', line: 3, column: 7, formatsTried: ['claude-code'] });
	});

	it('never carries objects or secret-looking fields (a client library may attach the failed request)', () => {
		// ioredis attaches the AUTH command, with the password, to an authentication failure.
		const err = Object.assign(new Error('WRONGPASS invalid password'), { command: { name: 'auth', args: ['hunter2-secret'] }, password: 'hunter2-secret', apiKey: 'sk-x', status: 401 });
		const e = serializeError(err);
		assert.ok(!JSON.stringify(e).includes('hunter2'), JSON.stringify(e));
		assert.ok(!JSON.stringify(e).includes('sk-x'));
		assert.deepEqual(e.details, { status: 401 });
	});

	it('cancellation comes back as a CancelledError; other errors as an EngineJobError carrying the original', () => {
		assert.ok(CancelledError.is(deserializeError(serializeError(new CancelledError()))));
		const back = deserializeError({ name: 'TranscriptImportError', reason: 'truncated', message: 'cut off' });
		assert.ok(EngineJobError.is(back, 'failed'));
		assert.equal(back.original?.reason, 'truncated');
	});
});
