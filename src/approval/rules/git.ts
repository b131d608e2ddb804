import type { SimpleCmd } from '../simple-cmd.js';
import { parseFlags, type Word } from '../words.js';
import type { Detector, Hit } from './types.js';

/** Git with its global options (`-C dir`, `-c k=v`, `--git-dir=…`) removed: [subcommand, ...args]. */
function gitArgs(args: Word[]): Word[] {
  let i = 0;
  while (i < args.length && args[i]!.text.startsWith('-')) {
    const t = args[i]!.text;
    i += ['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env', '--super-prefix'].includes(t) ? 2 : 1;
  }
  return args.slice(i);
}

const hit = (rule: string, reason: string): Hit => ({ rule, reason });
const WHOLE_TREE = /^(\.|\*|:\/|:\/:?\*?|\.\/)$/;

function push(rest: Word[]): Hit | null {
  const f = parseFlags(rest, { '--force': 'f', '--force-with-lease': 'L', '--force-if-includes': 'L', '--mirror': 'M', '--delete': 'd', '--dry-run': 'n', '--prune': 'P' },
    new Set(['o', '--push-option', '--repo', '--receive-pack', '--exec']));
  // A dry run sends nothing.
  if (f.flags.has('n')) return null;
  const refspecs = f.operands.slice(1);
  if (f.flags.has('f') || f.flags.has('L') || f.flags.has('M') || refspecs.some((w) => w.text.startsWith('+'))) return hit('git-push-force', 'git force push rewrites remote history');
  if (f.flags.has('d') || f.flags.has('P') || refspecs.some((w) => /^:./.test(w.text))) return hit('git-push-delete', 'git push deletes remote refs');
  return null;
}

const git: Detector = (c: SimpleCmd) => {
  const g = gitArgs(c.argv.slice(1));
  const sub = g[0]?.text;
  const rest = g.slice(1);
  const t = rest.map((w) => w.text);
  switch (sub) {
    case 'push': return push(rest);
    case 'reset': return t.includes('--hard') ? hit('git-reset-hard', 'git reset --hard discards uncommitted work') : null;
    case 'clean': {
      const f = parseFlags(rest, { '--force': 'f', '--dry-run': 'n' });
      return f.flags.has('f') && !f.flags.has('n') && (f.flags.has('d') || f.flags.has('x') || f.flags.has('X')) ? hit('git-clean-force', 'git clean deletes untracked files and directories') : null;
    }
    case 'checkout': {
      if (t.includes('-f') || t.includes('--force') || /^-[a-zA-Z]*f/.test(t[0] ?? '')) return hit('git-discard-changes', 'git checkout --force discards local changes');
      const dd = t.indexOf('--');
      const paths = dd >= 0 ? t.slice(dd + 1) : t.filter((x) => !x.startsWith('-'));
      // `git checkout -- .`, `git checkout .`, `git checkout HEAD .`: the pathspec after the tree-ish is the whole tree.
      const whole = dd >= 0 ? paths.some((p) => WHOLE_TREE.test(p)) : paths.length === 1 ? WHOLE_TREE.test(paths[0]!) : paths.slice(1).some((p) => WHOLE_TREE.test(p));
      return whole ? hit('git-discard-changes', 'git checkout of the whole tree discards local changes') : null;
    }
    case 'restore': {
      const f = parseFlags(rest, { '--worktree': 'W', '--staged': 'S' }, new Set(['s', '--source']));
      const worktree = f.flags.has('W') || !f.flags.has('S');
      return worktree && f.operands.some((w) => WHOLE_TREE.test(w.text)) ? hit('git-discard-changes', 'git restore of the whole tree discards local changes') : null;
    }
    case 'switch': return t.some((x) => x === '-f' || x === '--force' || x === '--discard-changes') ? hit('git-discard-changes', 'git switch --discard-changes drops local changes') : null;
    case 'rm': {
      const f = parseFlags(rest, { '--recursive': 'r', '--cached': 'C', '--force': 'f', '--dry-run': 'n' });
      return f.flags.has('r') && !f.flags.has('C') && !f.flags.has('n') && f.operands.some((w) => WHOLE_TREE.test(w.text)) ? hit('git-discard-changes', 'git rm -r . deletes every tracked file') : null;
    }
    case 'stash': return t[0] === 'drop' || t[0] === 'clear' ? hit('git-stash-drop', `git stash ${t[0]} loses stashed work`) : null;
    case 'branch': {
      const f = parseFlags(rest, { '--delete': 'd', '--force': 'f' });
      return f.flags.has('D') || (f.flags.has('d') && f.flags.has('f')) ? hit('git-branch-force-delete', 'git branch -D deletes an unmerged branch') : null;
    }
    case 'reflog':
      if (t[0] === 'delete') return hit('git-history-prune', 'git reflog delete drops recovery points');
      return t[0] === 'expire' && t.some((x) => /^--expire(-unreachable)?=(now|all|0)/.test(x)) ? hit('git-history-prune', 'git reflog expire drops recovery points') : null;
    case 'prune': return t.some((x, i) => /^--expire=(now|all|0)/.test(x) || (x === '--expire' && /^(now|all|0)/.test(t[i + 1] ?? ''))) && !t.includes('-n') && !t.includes('--dry-run') ? hit('git-history-prune', 'git prune --expire=now deletes unreachable commits') : null;
    case 'gc': return t.some((x) => /^--prune=(now|all)/.test(x)) ? hit('git-history-prune', 'git gc --prune=now deletes unreachable commits') : null;
    case 'filter-branch': case 'filter-repo':
      return t.some((x) => x === '--help' || x === '-h') ? null : hit('git-history-rewrite', `git ${sub} rewrites history`);
    case 'update-ref': return t.includes('-d') || t.includes('--delete') ? hit('git-update-ref-delete', 'git update-ref -d deletes a ref') : null;
    default: return null;
  }
};

const bfg: Detector = (c) => (c.argv.length > 1 ? hit('git-history-rewrite', 'bfg rewrites history') : null);

/** Git detectors by command key. */
export const GIT_DETECTORS: ReadonlyArray<[readonly string[], Detector]> = [[['git'], git], [['bfg', 'git-filter-repo'], bfg]];
