import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { indexToml, locateKey, type KeyPath } from './locate.js';

function at(source: string, path: KeyPath): [number, number, boolean] {
  parse(source); // every case is valid TOML, as the scanner only ever sees accepted documents
  const p = locateKey(indexToml(source), path);
  return [p.line, p.column, p.exact];
}

test('table headers, nested headers and keys', () => {
  const src = '# top\n[server]\nport = 1\n\n  [server.throttle]\n  ws_max = 2 # note\n';
  assert.deepEqual(at(src, ['server']), [2, 2, true]);
  assert.deepEqual(at(src, ['server', 'port']), [3, 1, true]);
  assert.deepEqual(at(src, ['server', 'throttle']), [5, 11, true]);
  assert.deepEqual(at(src, ['server', 'throttle', 'ws_max']), [6, 3, true]);
});

test('dotted and quoted keys', () => {
  const src = 'server.port = 1\n"tls" . \'extra_names\' = []\n[auth]\nlogin_guard.ban_threshold = 3\n';
  assert.deepEqual(at(src, ['server']), [1, 1, true]);
  assert.deepEqual(at(src, ['server', 'port']), [1, 8, true]);
  assert.deepEqual(at(src, ['tls', 'extra_names']), [2, 9, true]);
  assert.deepEqual(at(src, ['auth', 'login_guard', 'ban_threshold']), [4, 13, true]);
});

test('inline tables and array elements', () => {
  const src = 'tls = { enabled = true, names = { a = 1 } }\nlist = [\n  "a",\n  # [not.a.header]\n  "b" ,\n]\n';
  assert.deepEqual(at(src, ['tls', 'enabled']), [1, 9, true]);
  assert.deepEqual(at(src, ['tls', 'names', 'a']), [1, 35, true]);
  assert.deepEqual(at(src, ['list', 0]), [3, 3, true]);
  assert.deepEqual(at(src, ['list', 1]), [5, 3, true]);
  assert.deepEqual(at(src, ['not']), [1, 1, false]);
});

test('header-looking text inside strings is not a header', () => {
  const src = 'a = """\n[fake]\nb = 1\n"""\nc = \'\'\'\n[fake2]\'\'\'\nd = "[fake3]"\n[real]\ne = 1\n';
  assert.deepEqual(at(src, ['fake']), [1, 1, false]);
  assert.deepEqual(at(src, ['b']), [1, 1, false]);
  assert.deepEqual(at(src, ['real', 'e']), [9, 1, true]);
  assert.deepEqual(at(src, ['d']), [7, 1, true]);
});

test('missing keys fall back to the nearest table, then 1:1', () => {
  const src = '\n\n[tls]\nenabled = false\n';
  assert.deepEqual(at(src, ['tls', 'key_path']), [3, 2, false]);
  assert.deepEqual(at(src, ['auth', 'x']), [1, 1, false]);
});

test('arrays of tables are indexed per occurrence; CRLF line endings work', () => {
  const src = '[[x]]\na = 1\r\n[[x]]\r\nb = 2\r\n';
  assert.deepEqual(at(src, ['x', 1, 'b']), [4, 1, true]);
  assert.deepEqual(at(src, ['x', 0, 'a']), [2, 1, true]);
});

test('never throws or hangs on odd input', () => {
  for (const src of ['[', '[[', 'a = [', 'a = {', 'a = """', '= 1', '"\\', '\u0000', '}]]', 'a.=1']) {
    assert.doesNotThrow(() => indexToml(src));
  }
});
