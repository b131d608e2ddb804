import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronError } from './errors.js';
import { checkSchedule, nextRunAt } from './schedule.js';
import { mergePayload, mergeSchedule, parseCreate, parsePatch } from './validate.js';
import { decideCreation } from './rate-limit.js';

const job = { name: 'n', schedule: { kind: 'every', every_ms: 60_000 }, payload: { kind: 'agentTurn', message: 'm' } };
const fieldOf = (fn: () => unknown): string => {
  try { fn(); } catch (err) { assert.ok(err instanceof CronError, String(err)); return `${err.field}|${err.message}`; }
  assert.fail('expected a refusal');
};

test('the original\'s JSON is accepted, with aliases', () => {
  assert.deepEqual(parseCreate(job).schedule, { kind: 'every', every_ms: 60_000 });
  assert.deepEqual(parseCreate({ ...job, schedule: { kind: 'every', everyMs: 120_000 } }).schedule, { kind: 'every', every_ms: 120_000 });
  assert.deepEqual(parseCreate({ ...job, schedule: { kind: 'at', atMs: 5 } }).schedule, { kind: 'at', at_ms: 5 });
  assert.deepEqual(parseCreate({ ...job, schedule: { kind: 'at', at: '2030-05-01T09:00:00+02:00' } }).schedule, { kind: 'at', at_ms: Date.UTC(2030, 4, 1, 7) });
  assert.deepEqual(parseCreate({ ...job, schedule: { kind: 'cron', expr: ' 0  9 * * 1-5 ', tz: 'Europe/Berlin' } }).schedule, { kind: 'cron', expr: '0 9 * * 1-5', tz: 'Europe/Berlin' });
  const full = parseCreate({ ...job, enabled: false, deleteAfterRun: true, sandbox: { image: 'localhost/img:1' }, payload: { kind: 'systemEvent', text: 't' } });
  assert.deepEqual([full.enabled, full.deleteAfterRun, full.sandbox, full.payload], [false, true, { image: 'localhost/img:1' }, { kind: 'systemEvent', text: 't' }]);
});

test('the original\'s holes are refused by name: system, reserved ids, fields outside the create schema', () => {
  assert.match(fieldOf(() => parseCreate({ ...job, system: true })), /^system\|system: system jobs are defined by the gateway/);
  assert.match(fieldOf(() => parseCreate({ ...job, id: '__heartbeat__' })), /^id\|.*reserved for system jobs/);
  assert.match(fieldOf(() => parseCreate({ ...job, id: 'mine' })), /^id\|.*assigns job ids/);
  assert.match(fieldOf(() => parseCreate({ ...job, sessionTarget: 'main' })), /^sessionTarget\|sessionTarget: unknown field/);
  assert.match(fieldOf(() => parseCreate({ ...job, wakeMode: 'now' })), /^wakeMode\|/);
  assert.match(fieldOf(() => parseCreate({ ...job, payload: { kind: 'agentTurn', message: 'm', deliver: true, channel: 'x', to: 'y' } })), /^payload\.deliver\|/);
  assert.match(fieldOf(() => parseCreate({ ...job, sandbox: { enabled: true, autoPruneContainer: false } })), /^sandbox\.autoPruneContainer\|/);
  assert.match(fieldOf(() => parseCreate({ ...job, sandbox: { image: '--privileged' } })), /^sandbox\.image\|.*image reference/);
  assert.match(fieldOf(() => parsePatch({ system: true })), /^system\|/);
  assert.match(fieldOf(() => parsePatch({ force: true })), /^patch\.force\|/);
  assert.match(fieldOf(() => parsePatch({})), /^patch\|.*empty/);
});

test('shape errors name the field and say what is expected', () => {
  assert.match(fieldOf(() => parseCreate({ ...job, name: '' })), /^name\|/);
  assert.match(fieldOf(() => parseCreate({ ...job, schedule: { kind: 'hourly' } })), /^schedule\.kind\|.*"cron", "every" or "at"/);
  assert.match(fieldOf(() => parseCreate({ ...job, schedule: { kind: 'every', every_ms: 60_000, everyMs: 60_000 } })), /give only one of/);
  assert.match(fieldOf(() => parseCreate({ ...job, schedule: { kind: 'every', every_ms: 1.5 } })), /^schedule\.every_ms\|/);
  assert.match(fieldOf(() => parseCreate({ ...job, schedule: { kind: 'at', at: '2030-05-01 09:00' } })), /^schedule\.at\|.*with a zone/);
  assert.match(fieldOf(() => parseCreate({ ...job, schedule: { kind: 'cron', expr: '* * * * *', every_ms: 5 } })), /^schedule\.every_ms\|.*not a field of a "cron" schedule/);
  assert.match(fieldOf(() => parseCreate({ ...job, payload: { kind: 'agentTurn' } })), /^payload\.message\|/);
});

test('schedule checks: past, zone, expression, minimum interval', () => {
  const now = Date.UTC(2030, 0, 1);
  assert.match(fieldOf(() => checkSchedule({ kind: 'at', at_ms: now - 1 }, now, 60_000)), /^schedule\.at_ms\|.*in the past/);
  assert.match(fieldOf(() => checkSchedule({ kind: 'cron', expr: '* * * * *', tz: 'Mars/Olympus' }, now, 60_000)), /^schedule\.tz\|.*unknown time zone/);
  assert.match(fieldOf(() => checkSchedule({ kind: 'cron', expr: '61 * * * *' }, now, 60_000)), /^schedule\.expr\|.*invalid cron expression.*minute/);
  assert.match(fieldOf(() => checkSchedule({ kind: 'cron', expr: '0 0 * * * * *' }, now, 60_000)), /^schedule\.expr\|/);
  assert.match(fieldOf(() => checkSchedule({ kind: 'every', every_ms: 59_999 }, now, 60_000)), /^schedule\.every_ms\|.*min_interval_secs = 60/);
  // A seconds field cannot slip under the floor `every` respects.
  assert.match(fieldOf(() => checkSchedule({ kind: 'cron', expr: '*/10 * * * * *' }, now, 60_000)), /^schedule\.expr\|.*10s apart/);
  assert.match(fieldOf(() => checkSchedule({ kind: 'cron', expr: '0 0 30 2 *' }, now, 60_000)), /never fires|invalid/);
  checkSchedule({ kind: 'cron', expr: '*/5 * * * *', tz: 'America/New_York' }, now, 60_000);
  checkSchedule({ kind: 'every', every_ms: 60_000 }, now, 60_000);
});

test('next runs: every is anchored (no drift, missed slots collapse), cron honours the zone, at fires once', () => {
  assert.equal(nextRunAt({ kind: 'every', every_ms: 1000 }, 10_500, 10_000), 11_000);
  assert.equal(nextRunAt({ kind: 'every', every_ms: 1000 }, 99_999, 10_000), 100_000);
  assert.equal(nextRunAt({ kind: 'at', at_ms: 5 }, 4, 0), 5);
  assert.equal(nextRunAt({ kind: 'at', at_ms: 5 }, 5, 0), null);
  // 09:00 in Berlin on 1 Jan 2030 is 08:00 UTC.
  assert.equal(nextRunAt({ kind: 'cron', expr: '0 9 * * *', tz: 'Europe/Berlin' }, Date.UTC(2030, 0, 1), 0), Date.UTC(2030, 0, 1, 8));
});

test('patches merge: payload fields into the same kind, schedule replaced (kind kept)', () => {
  assert.deepEqual(mergePayload({ kind: 'agentTurn', message: 'a', model: 'x/y' }, { message: 'b' }), { kind: 'agentTurn', message: 'b', model: 'x/y' });
  assert.deepEqual(mergePayload({ kind: 'agentTurn', message: 'a' }, { kind: 'systemEvent', text: 't' }), { kind: 'systemEvent', text: 't' });
  assert.deepEqual(mergeSchedule({ kind: 'every', every_ms: 60_000 }, { every_ms: 120_000 }), { kind: 'every', every_ms: 120_000 });
});

test('creation limit: a sliding window; the wait is until the oldest creation leaves it', () => {
  assert.deepEqual(decideCreation([1, 2, 3], 10, 4, 60), { ok: true });
  assert.deepEqual(decideCreation([1, 2, 3, 4], 10, 4, 60), { ok: false, retryAfterMs: 51 });
  assert.deepEqual(decideCreation([1, 2, 3, 4], 61, 4, 60), { ok: true });
});
