import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClassifier, type Classifier } from './index.js';

let c: Classifier;
before(async () => { c = await createClassifier(); });
after(() => c.close());

/** Look-alikes the original's regex floor flagged (or we might): the floor must stay quiet on them. */
const NOT_FLOOR = [
  'grep -i truncate notes.txt', 'git push origin feature-fix', 'git push --follow-tags', 'rm -rf build', 'rm -rf ./node_modules',
  'rm -rf /tmp/build-123', 'rm -rf ~/project/dist', 'rm -f /etc-backup.txt', 'echo "rm -rf /"', "echo 'curl x | sh'", 'psql -c "select 1"',
  'mysql -e "delete from t where id = 1"', 'dd if=/dev/zero of=./disk.img bs=1M count=1', 'kubectl delete pod web-1', 'curl x | grep y',
  'curl -o out.tgz https://x', 'git reset --soft HEAD~1', 'git clean -n', 'git stash list', 'cat /dev/sda | head -c 10', 'echo x > /dev/null',
  'chmod -R 755 ./dist', 'terraform plan', 'aws s3 ls s3://bucket', 'gcloud compute instances list', 'find / -name x 2>/dev/null',
  'rm -r /tmp/x', 'ls ~', 'sh ./build.sh', 'python3 -c "print(1)"',
];

describe('approval modes and allowlist', () => {
  for (const cmd of NOT_FLOOR) {
    it(`no floor: ${JSON.stringify(cmd)}`, () => {
      const d = c.classify(cmd, { mode: 'never' });
      assert.deepEqual([d.decision, d.floor, d.rule], ['run', false, null], d.reason);
    });
  }

  it('never mode runs anything the floor does not catch; always mode asks for everything', () => {
    assert.equal(c.classify('npm install', { mode: 'never' }).decision, 'run');
    assert.equal(c.classify('ls', { mode: 'always' }).decision, 'ask');
    const d = c.classify('rm -rf /', { mode: 'always' });
    assert.deepEqual([d.floor, d.rule], [true, 'rm-rf-root']); // the floor is still reported
  });

  it('never mode + floor command asks; a matching allowlist entry lets it run', () => {
    const cmd = 'git push -f origin main';
    assert.equal(c.classify(cmd, { mode: 'never' }).decision, 'ask');
    const d = c.classify(cmd, { mode: 'never', allowlist: ['git push -f origin main'] });
    assert.deepEqual([d.decision, d.floor, d.rule], ['run', false, null], d.reason);
    // Normalization applies to the command: quoting and wrappers do not defeat the entry…
    assert.equal(c.classify(`sudo "git" push '-f' origin main`, { mode: 'never', allowlist: [cmd] }).decision, 'run');
    // …and an entry covers only what it says.
    assert.equal(c.classify('git push -f origin release', { mode: 'never', allowlist: [cmd] }).decision, 'ask');
  });

  it('glob entries match within one word and never across commands', () => {
    const allowlist = ['git push --force origin feature/*'];
    assert.equal(c.classify('git push --force origin feature/login', { mode: 'never', allowlist }).decision, 'run');
    assert.equal(c.classify('git push --force origin main', { mode: 'never', allowlist }).decision, 'ask');
    assert.equal(c.classify('git push --force origin feature/x main', { mode: 'never', allowlist }).decision, 'ask');
    const both = c.classify('git push --force origin feature/x; rm -rf /', { mode: 'never', allowlist });
    assert.deepEqual([both.decision, both.rule], ['ask', 'rm-rf-root']);
    const ls = c.classify('ls x;shutdown', { mode: 'never', allowlist: ['ls *'] });
    assert.deepEqual([ls.decision, ls.rule], ['ask', 'shutdown']);
  });

  it('allowlisted commands count as safe in smart mode, but not what surrounds them', () => {
    const allowlist = ['npm test', 'npm run *'];
    assert.equal(c.classify('npm test', { mode: 'smart', allowlist }).decision, 'run');
    assert.equal(c.classify('npm run build && ls', { mode: 'smart', allowlist }).decision, 'run');
    assert.equal(c.classify('npm test > out.txt', { mode: 'smart', allowlist }).decision, 'ask');
    assert.equal(c.classify('npm test; rm x', { mode: 'smart', allowlist }).decision, 'ask');
    assert.equal(c.classify('npm install', { mode: 'smart', allowlist }).decision, 'ask');
  });

  it('script-wide floor hits need an entry equal to the whole line', () => {
    const bomb = ':(){ :|:& };:';
    assert.equal(c.classify(bomb, { mode: 'never', allowlist: ['*'] }).decision, 'ask');
    assert.equal(c.classify(bomb, { mode: 'never', allowlist: [bomb] }).decision, 'run');
  });

  it('sandboxed: the floor is not applied, smart rules still are', () => {
    const d = c.classify('rm -rf /', { mode: 'never', sandboxed: true });
    assert.deepEqual([d.decision, d.floor, d.rule], ['run', false, null]);
    const s = c.classify('rm -rf /', { mode: 'smart', sandboxed: true });
    assert.deepEqual([s.decision, s.floor, s.rule], ['ask', false, null]);
    assert.equal(c.classify('ls -la', { mode: 'smart', sandboxed: true }).decision, 'run');
    assert.equal(c.classify('curl x | sh', { mode: 'smart', sandboxed: true }).floor, false);
  });

  it('fails closed on what it cannot parse, in every mode', () => {
    for (const mode of ['smart', 'never', 'always'] as const) {
      for (const cmd of ['echo "unterminated', 'if true; then', 'ls )', '']) {
        assert.equal(c.classify(cmd, { mode }).decision, 'ask', `${mode} ${cmd}`);
      }
    }
    assert.match(c.classify('echo "x', { mode: 'never' }).reason, /could not parse/);
    assert.equal(c.classify('x'.repeat(70_000), { mode: 'never' }).decision, 'ask');
    let deep = 'rm -rf /';
    for (let i = 0; i < 12; i++) deep = `eval ${JSON.stringify(deep)}`;
    assert.equal(c.classify(deep, { mode: 'never' }).decision, 'ask');
  });

  it('classifies a typical command in well under a millisecond', () => {
    const corpus = ['ls -la', 'cat README.md | grep foo | wc -l', 'git status && git diff', 'rm -rf /', 'curl x | sh', "sh -c 'rm -rf /'"];
    const n = 2000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) c.classify(corpus[i % corpus.length]!, { mode: 'smart' });
    const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
    assert.ok(us < 1000, `${us.toFixed(1)} µs per classify`);
  });
});
