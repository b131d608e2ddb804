import { test } from 'node:test';
import assert from 'node:assert/strict';
import { domainAllowed, trustedDomainsFilter } from './index.js';

test('domainAllowed: exact names and "*." subdomain wildcards', () => {
  const list = ['*.example.com', 'api.github.com'];
  const table: Array<[string, boolean]> = [
    ['a.example.com', true],
    ['deep.a.example.com', true],
    ['example.com', false], // the wildcard covers subdomains only
    ['badexample.com', false], // label boundary, not a string suffix
    ['a.badexample.com', false],
    ['example.com.evil.test', false],
    ['A.Example.COM', true], // case-insensitive
    ['a.example.com.', true], // trailing dot is the same name
    ['api.github.com', true],
    ['API.GitHub.com.', true],
    ['github.com', false],
    ['x.api.github.com', false], // an exact entry does not open subdomains
    ['', false],
    ['*.example.com', false],
  ];
  for (const [host, want] of table) assert.equal(domainAllowed(host, list), want, host);
  assert.equal(domainAllowed('a.example.com', ['*.Example.com.']), true);
});

test('domainAllowed: an empty list allows nothing (fail closed)', () => {
  assert.equal(domainAllowed('example.com', []), false);
  assert.equal(trustedDomainsFilter([])('example.com'), 'domain example.com is not in trusted_domains');
  assert.equal(trustedDomainsFilter(['example.com'])('example.com'), true);
});
