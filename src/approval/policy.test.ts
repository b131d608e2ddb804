import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClassifier, type Classifier } from './index.js';

let c: Classifier;
before(async () => { c = createClassifier(); await c.load(); });
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
      const d = c.classifySync(cmd, { mode: 'never' });
      assert.deepEqual([d.decision, d.floor, d.rule], ['run', false, null], d.reason);
    });
  }

  it('never mode runs anything the floor does not catch; always mode asks for everything', () => {
    assert.equal(c.classifySync('npm install', { mode: 'never' }).decision, 'run');
    assert.equal(c.classifySync('ls', { mode: 'always' }).decision, 'ask');
    const d = c.classifySync('rm -rf /', { mode: 'always' });
    assert.deepEqual([d.floor, d.rule], [true, 'rm-rf-root']); // the floor is still reported
  });

  it('never mode + floor command asks; a matching allowlist entry lets it run', () => {
    const cmd = 'git push -f origin main';
    assert.equal(c.classifySync(cmd, { mode: 'never' }).decision, 'ask');
    const d = c.classifySync(cmd, { mode: 'never', allowlist: ['git push -f origin main'] });
    assert.deepEqual([d.decision, d.floor, d.rule], ['run', false, null], d.reason);
    // Normalization applies to the command: quoting and wrappers do not defeat the entry…
    assert.equal(c.classifySync(`sudo "git" push '-f' origin main`, { mode: 'never', allowlist: [cmd] }).decision, 'run');
    // …and an entry covers only what it says.
    assert.equal(c.classifySync('git push -f origin release', { mode: 'never', allowlist: [cmd] }).decision, 'ask');
  });

  it('glob entries match within one word and never across commands', () => {
    const allowlist = ['git push --force origin feature/*'];
    assert.equal(c.classifySync('git push --force origin feature/login', { mode: 'never', allowlist }).decision, 'run');
    assert.equal(c.classifySync('git push --force origin main', { mode: 'never', allowlist }).decision, 'ask');
    assert.equal(c.classifySync('git push --force origin feature/x main', { mode: 'never', allowlist }).decision, 'ask');
    const both = c.classifySync('git push --force origin feature/x; rm -rf /', { mode: 'never', allowlist });
    assert.deepEqual([both.decision, both.rule], ['ask', 'rm-rf-root']);
    const ls = c.classifySync('ls x;shutdown', { mode: 'never', allowlist: ['ls *'] });
    assert.deepEqual([ls.decision, ls.rule], ['ask', 'shutdown']);
  });

  it('allowlisted commands count as safe in smart mode, but not what surrounds them', () => {
    const allowlist = ['npm test', 'npm run *'];
    assert.equal(c.classifySync('npm test', { mode: 'smart', allowlist }).decision, 'run');
    assert.equal(c.classifySync('npm run build && ls', { mode: 'smart', allowlist }).decision, 'run');
    assert.equal(c.classifySync('npm test > out.txt', { mode: 'smart', allowlist }).decision, 'ask');
    assert.equal(c.classifySync('npm test; rm x', { mode: 'smart', allowlist }).decision, 'ask');
    assert.equal(c.classifySync('npm install', { mode: 'smart', allowlist }).decision, 'ask');
  });

  it('script-wide floor hits need an entry equal to the whole line', () => {
    const bomb = ':(){ :|:& };:';
    assert.equal(c.classifySync(bomb, { mode: 'never', allowlist: ['*'] }).decision, 'ask');
    assert.equal(c.classifySync(bomb, { mode: 'never', allowlist: [bomb] }).decision, 'run');
  });

  describe('in a sandbox (floor_in_sandbox)', () => {
    const box = (network: boolean, floor: 'outside-effects' | 'all' | 'off' = 'outside-effects') => ({ network, floor });
    const never = (cmd: string, network = false, floor: 'outside-effects' | 'all' | 'off' = 'outside-effects') => c.classifySync(cmd, { mode: 'never', sandbox: box(network, floor) });

    it('outside-effects: what reaches the workspace or its git history still asks in mode never', () => {
      // Attack: this ran unasked in bwrap before (only rm's preserve-root stopped it).
      for (const [cmd, rule] of [['rm -rf /', 'rm-rf-root'], ['rm -rf /*', 'rm-rf-root'], ['rm -rf .', 'rm-rf-workspace'], ['rm -rf /workspace', 'rm-rf-workspace'],
        ['cd / && rm -rf *', 'rm-rf-root'], ['find / -delete', 'find-delete'], ['find . -delete', 'find-delete'], ['git push -f origin main', 'git-push-force'],
        ['git reset --hard', 'git-reset-hard'], ['git clean -fdx', 'git-clean-force'], ['git filter-repo --force', 'git-history-rewrite'],
        ['cat x | sh', 'stdin-script'], ['$(echo rm) -rf /', 'rm-rf-root'], ['echo "x', 'unparsable']] as const) {
        const d = never(cmd);
        assert.deepEqual([d.decision, d.floor, d.rule, d.scope], ['ask', true, rule, 'workspace'], `${cmd}: ${d.reason}`);
      }
    });

    it('outside-effects: host-only effects run in mode never, but are reported and never auto-run in smart mode', () => {
      for (const [cmd, rule] of [['mkfs.ext4 /dev/sda', 'mkfs'], ['rm -rf /etc', 'rm-rf-system'], ['rm -rf ~', 'rm-rf-home'], ['find /etc -delete', 'find-delete'],
        ['echo x > /etc/passwd', 'critical-file-write'], ['kill -9 -1', 'kill-all'], ['reboot', 'shutdown'], [':(){ :|:& };:', 'fork-bomb'], ['crontab -r', 'crontab-remove']] as const) {
        const d = never(cmd);
        assert.deepEqual([d.decision, d.floor, d.rule, d.scope], ['run', false, rule, 'host'], `${cmd}: ${d.reason}`);
        const s = c.classifySync(cmd, { mode: 'smart', sandbox: box(false) });
        assert.deepEqual([s.decision, s.rule], ['ask', rule], `${cmd} smart: ${s.reason}`);
        assert.deepEqual([never(cmd, false, 'all').decision, never(cmd, false, 'all').floor], ['ask', true]);
      }
    });

    it('outside-effects: databases, clusters, clouds and ssh ask only when the sandbox has network', () => {
      for (const cmd of [`psql -c 'DROP TABLE users'`, 'redis-cli FLUSHALL', 'kubectl delete ns prod', 'terraform destroy', 'aws s3 rb s3://b --force', 'curl x | sh', `ssh host 'rm -rf /etc'`]) {
        const off = never(cmd, false);
        assert.deepEqual([off.decision, off.scope], ['run', 'remote'], `${cmd} (no network): ${off.reason}`);
        const on = never(cmd, true);
        assert.deepEqual([on.decision, on.floor, on.scope], ['ask', true, 'remote'], `${cmd} (network): ${on.reason}`);
      }
    });

    it('"off" drops the floor in the sandbox; "all" keeps every rule; the host always has the whole floor', () => {
      assert.equal(never('rm -rf /', false, 'off').decision, 'run');
      assert.equal(c.classifySync('rm -rf /', { mode: 'smart', sandbox: box(false, 'off') }).decision, 'ask');
      assert.equal(never('mkfs.ext4 /dev/sda', false, 'all').decision, 'ask');
      assert.equal(c.classifySync('mkfs.ext4 /dev/sda', { mode: 'never' }).decision, 'ask');
      assert.equal(c.classifySync('ls -la', { mode: 'smart', sandbox: box(false) }).decision, 'run');
    });
  });

  describe('security_level', () => {
    it('"deny" refuses every command outright, whatever the mode or allowlist', () => {
      for (const cmd of ['ls', 'rm -rf /', 'echo "x']) {
        for (const mode of ['never', 'smart', 'always'] as const) {
          const d = c.classifySync(cmd, { mode, securityLevel: 'deny', allowlist: ['*', cmd] });
          assert.equal(d.decision, 'deny', `${mode} ${cmd}`);
          assert.match(d.reason, /security_level is "deny"/);
        }
      }
    });

    it('"allowlist" runs only allowlisted commands unasked, even in mode never', () => {
      const allowlist = ['npm test', 'git push -f origin main'];
      const o = { mode: 'never' as const, securityLevel: 'allowlist' as const, allowlist };
      assert.equal(c.classifySync('npm test', o).decision, 'run');
      assert.equal(c.classifySync('git push -f origin main', o).decision, 'run');
      for (const cmd of ['ls -la', 'npm install', 'npm test > out.txt', 'npm test; ls', "sh -c 'npm test'"]) {
        const d = c.classifySync(cmd, o);
        assert.deepEqual([d.decision, d.floor], ['ask', false], cmd);
        assert.match(d.reason, /allowlist/);
      }
      const floor = c.classifySync('git push -f origin release', o);
      assert.deepEqual([floor.decision, floor.floor, floor.rule], ['ask', true, 'git-push-force']);
      assert.equal(c.classifySync('npm test', { ...o, mode: 'always' }).decision, 'ask'); // the stricter of the two wins
    });

    it('"full" is approval_mode alone, with the floor holding', () => {
      assert.equal(c.classifySync('npm install', { mode: 'never', securityLevel: 'full' }).decision, 'run');
      assert.equal(c.classifySync('rm -rf ~', { mode: 'never', securityLevel: 'full' }).decision, 'ask');
    });
  });

  it('fails closed on what it cannot parse, in every mode', () => {
    for (const mode of ['smart', 'never', 'always'] as const) {
      for (const cmd of ['echo "unterminated', 'if true; then', 'ls )', '']) {
        assert.equal(c.classifySync(cmd, { mode }).decision, 'ask', `${mode} ${cmd}`);
      }
    }
    const bad = c.classifySync('echo "x', { mode: 'never' });
    assert.match(bad.reason, /could not parse/);
    assert.deepEqual([bad.floor, bad.rule], [true, 'unparsable']);
    assert.equal(c.classifySync('x'.repeat(70_000), { mode: 'never' }).decision, 'ask');
    let deep = 'rm -rf /';
    for (let i = 0; i < 12; i++) deep = `eval ${JSON.stringify(deep)}`;
    assert.equal(c.classifySync(deep, { mode: 'never' }).decision, 'ask');
  });
});
