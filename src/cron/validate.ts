/**
 * Job input from RPC, REST and the model's tool: the original's JSON, checked field by field.
 * Unknown fields are refused by name: the original passed model JSON straight through, so a
 * prompt-injected model could set `system`, choose the id `__heartbeat__` or add fields it
 * should never control. Only the gateway's own code (src/cron/heartbeat) makes system jobs.
 */
import { imageRefProblem } from '../config/index.js';
import { invalid } from './errors.js';
import type { JobSandbox, Payload, Schedule } from './types.js';

/** The fields of `cron.add` (the job without id and state). */
export const CREATE_FIELDS = ['name', 'enabled', 'schedule', 'payload', 'sandbox', 'deleteAfterRun'] as const;
const MAX_TEXT = 100_000;
const MAX_EVERY_MS = 366 * 86_400_000;

/** A validated create request; sandbox fields left out take `[cron.job.sandbox]`. */
export interface JobInput { name: string; enabled: boolean; schedule: Schedule; payload: Payload; sandbox: Partial<JobSandbox>; deleteAfterRun: boolean }
/** A validated patch: only the fields given. */
export type JobPatch = Partial<Omit<JobInput, 'schedule' | 'payload'>> & { schedule?: Record<string, unknown>; payload?: Record<string, unknown> };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function objectOf(v: unknown, field: string, allowed: readonly string[], hint: string): Record<string, unknown> {
  if (!isObject(v)) throw invalid(field, `expected an object ${hint}`);
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw invalid(field ? `${field}.${k}` : k, `unknown field; ${field || 'a job'} has ${allowed.join(', ')}`);
  return v;
}
function string(v: unknown, field: string, max: number): string {
  if (typeof v !== 'string' || v.trim() === '') throw invalid(field, 'expected a non-empty string');
  if (v.length > max) throw invalid(field, `longer than ${max} characters`);
  return v;
}
function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw invalid(field, 'expected true or false');
  return v;
}
function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw invalid(field, `expected a whole number of milliseconds between ${min} and ${max}`);
  return v;
}
/** Exactly one of `names` (the original's snake_case and its camelCase alias). */
function oneOf(o: Record<string, unknown>, names: string[], field: string): [string, unknown] {
  const given = names.filter((n) => o[n] !== undefined);
  if (given.length !== 1) throw invalid(field, given.length === 0 ? `missing; give ${names.join(' or ')}` : `give only one of ${given.join(', ')}`);
  return [given[0]!, o[given[0]!]];
}

/** `{kind:"cron",expr,tz?}`, `{kind:"every",every_ms|everyMs}` or `{kind:"at",at_ms|atMs|at}` (ISO-8601 with a zone). */
export function parseSchedule(v: unknown): Schedule {
  const kinds = '{kind: "cron", expr, tz?}, {kind: "every", every_ms} or {kind: "at", at_ms | at}';
  const s = objectOf(v, 'schedule', ['kind', 'expr', 'tz', 'every_ms', 'everyMs', 'at_ms', 'atMs', 'at'], kinds);
  const keys = (allowed: string[]) => {
    for (const k of Object.keys(s)) if (k !== 'kind' && !allowed.includes(k)) throw invalid(`schedule.${k}`, `not a field of a "${String(s.kind)}" schedule (${allowed.join(', ')})`);
  };
  if (s.kind === 'cron') {
    keys(['expr', 'tz']);
    const expr = string(s.expr, 'schedule.expr', 200).trim().replace(/\s+/g, ' ');
    return s.tz === undefined ? { kind: 'cron', expr } : { kind: 'cron', expr, tz: string(s.tz, 'schedule.tz', 64) };
  }
  if (s.kind === 'every') {
    keys(['every_ms', 'everyMs']);
    const [name, value] = oneOf(s, ['every_ms', 'everyMs'], 'schedule.every_ms');
    return { kind: 'every', every_ms: int(value, `schedule.${name}`, 1, MAX_EVERY_MS) };
  }
  if (s.kind === 'at') {
    keys(['at_ms', 'atMs', 'at']);
    const [name, value] = oneOf(s, ['at_ms', 'atMs', 'at'], 'schedule.at_ms');
    if (name !== 'at') return { kind: 'at', at_ms: int(value, `schedule.${name}`, 0, 8.64e15) };
    // A time without a zone would depend on the gateway host's zone: refuse the ambiguity.
    const iso = typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(iso)) throw invalid('schedule.at', 'expected an ISO-8601 time with a zone, e.g. "2030-05-01T09:00:00Z" or "2030-05-01T11:00:00+02:00"');
    return { kind: 'at', at_ms: iso };
  }
  throw invalid('schedule.kind', `expected "cron", "every" or "at" (${kinds})`);
}

/** `{kind:"agentTurn",message,model?}` or `{kind:"systemEvent",text}`. */
export function parsePayload(v: unknown): Payload {
  const p = objectOf(v, 'payload', ['kind', 'message', 'model', 'text'], '{kind: "agentTurn", message, model?} or {kind: "systemEvent", text}');
  if (p.kind === 'agentTurn') {
    if (p.text !== undefined) throw invalid('payload.text', 'an agentTurn payload has message (and model), not text');
    const message = string(p.message, 'payload.message', MAX_TEXT);
    return p.model === undefined ? { kind: 'agentTurn', message } : { kind: 'agentTurn', message, model: string(p.model, 'payload.model', 300) };
  }
  if (p.kind === 'systemEvent') {
    if (p.message !== undefined || p.model !== undefined) throw invalid(p.message !== undefined ? 'payload.message' : 'payload.model', 'a systemEvent payload has only text');
    return { kind: 'systemEvent', text: string(p.text, 'payload.text', MAX_TEXT) };
  }
  throw invalid('payload.kind', 'expected "agentTurn" or "systemEvent"');
}

function parseSandbox(v: unknown): Partial<JobSandbox> {
  const s = objectOf(v, 'sandbox', ['enabled', 'image'], '{enabled?, image?}');
  const out: Partial<JobSandbox> = {};
  if (s.enabled !== undefined) out.enabled = bool(s.enabled, 'sandbox.enabled');
  if (s.image !== undefined) {
    const problem = typeof s.image === 'string' ? imageRefProblem(s.image) : 'expected a string';
    if (problem) throw invalid('sandbox.image', problem);
    out.image = s.image as string;
  }
  return out;
}

/** The reserved fields first (clear messages for the known attacks), then every other field. */
function refuseReserved(o: Record<string, unknown>): void {
  if ('system' in o) throw invalid('system', 'system jobs are defined by the gateway itself (e.g. [heartbeat] in moltis.toml), never by a request');
  if ('id' in o) {
    throw invalid('id', typeof o.id === 'string' && o.id.startsWith('__') ? 'ids starting with "__" are reserved for system jobs' : 'the gateway assigns job ids; leave id out');
  }
  if ('state' in o) throw invalid('state', 'the scheduler keeps a job\'s state; leave it out');
}

/** Validates `cron.add` params (the shape only; the clock, limits and permissions come after). */
export function parseCreate(v: unknown): JobInput {
  if (isObject(v)) refuseReserved(v);
  const o = objectOf(v, '', CREATE_FIELDS, `{${CREATE_FIELDS.join(', ')}}`);
  return {
    name: string(o.name, 'name', 200).trim(),
    enabled: o.enabled === undefined ? true : bool(o.enabled, 'enabled'),
    schedule: parseSchedule(o.schedule),
    payload: parsePayload(o.payload),
    sandbox: o.sandbox === undefined ? {} : parseSandbox(o.sandbox),
    deleteAfterRun: o.deleteAfterRun === undefined ? false : bool(o.deleteAfterRun, 'deleteAfterRun'),
  };
}

/** Validates a `cron.update` patch; schedule and payload are checked once merged with the job. */
export function parsePatch(v: unknown): JobPatch {
  if (isObject(v)) refuseReserved(v);
  const o = objectOf(v, 'patch', CREATE_FIELDS, `with some of ${CREATE_FIELDS.join(', ')}`);
  if (Object.keys(o).length === 0) throw invalid('patch', `empty: give some of ${CREATE_FIELDS.join(', ')}`);
  const out: JobPatch = {};
  if (o.name !== undefined) out.name = string(o.name, 'patch.name', 200).trim();
  if (o.enabled !== undefined) out.enabled = bool(o.enabled, 'patch.enabled');
  if (o.deleteAfterRun !== undefined) out.deleteAfterRun = bool(o.deleteAfterRun, 'patch.deleteAfterRun');
  if (o.sandbox !== undefined) out.sandbox = parseSandbox(o.sandbox);
  if (o.schedule !== undefined) out.schedule = objectOf(o.schedule, 'schedule', ['kind', 'expr', 'tz', 'every_ms', 'everyMs', 'at_ms', 'atMs', 'at'], 'schedule');
  if (o.payload !== undefined) out.payload = objectOf(o.payload, 'payload', ['kind', 'message', 'model', 'text'], 'payload');
  return out;
}

/** A patched schedule: replaces the old one; `kind` defaults to the old kind. */
export function mergeSchedule(old: Schedule, patch: Record<string, unknown>): Schedule {
  return parseSchedule({ kind: old.kind, ...patch });
}
/** A patched payload: fields merge into the old payload of the same kind; another kind replaces it. */
export function mergePayload(old: Payload, patch: Record<string, unknown>): Payload {
  return parsePayload(patch.kind === undefined || patch.kind === old.kind ? { ...old, ...patch } : patch);
}
