import type { TableSection } from './types.js';

/** Force pushes, remote deletions, and local history/work destruction; beside them, everyday git. */
export const GIT: TableSection = {
  category: 'git',
  destructive: [
    'git push -f', 'git push --force origin main', 'git push -f origin HEAD:main', 'git push --force-with-lease',
    'git push --force-with-lease=main:abc123 origin main', 'git push --force-if-includes --force-with-lease', 'git push origin +main',
    'git push origin +HEAD:refs/heads/main', 'git push --mirror', 'git push --mirror git@github.com:x/y.git', 'git push -uf origin feature',
    'git push origin --force feature', 'git -C repo push -f', 'git push --all -f', 'git push origin --delete feature', 'git push origin -d old-branch',
    'git push origin :feature', 'git push origin :refs/tags/v1.0', 'git push --prune origin', 'git push --delete origin v1.0', 'sudo -u git git push -f',
    'git reset --hard', 'git reset --hard HEAD~3', 'git reset --hard origin/main', 'git -C /repo reset --hard', 'git clean -fd', 'git clean -fdx',
    'git clean -f -d', 'git clean -xf', 'git clean -ffdx', 'git clean --force -d', 'git clean -fX', 'git checkout -- .', 'git checkout .',
    'git checkout HEAD -- .', 'git checkout -f', 'git checkout --force main', 'git checkout -f HEAD', 'git restore .', 'git restore --worktree .',
    'git restore -SW .', 'git restore --source=HEAD~5 --staged --worktree .', 'git switch -f main', 'git switch --discard-changes main',
    'git rm -rf .', 'git rm -r .', 'git stash clear', 'git stash drop', 'git stash drop stash@{0}', 'git branch -D feature',
    'git branch --delete --force old', 'git branch -d -f x', 'git reflog expire --expire=now --all', 'git reflog expire --expire-unreachable=now --all',
    'git gc --prune=now', 'git gc --prune=now --aggressive', 'git reflog delete HEAD@{1}', `git filter-branch --tree-filter 'rm -f secrets' HEAD`,
    `git filter-branch -f --index-filter 'git rm --cached x' -- --all`, 'git filter-repo --path secrets --invert-paths', 'git filter-repo --force',
    'bfg --delete-files id_rsa', 'git update-ref -d refs/heads/main', 'git update-ref -d HEAD', 'git --git-dir=.git --work-tree=. reset --hard',
    'git -c core.hooksPath=/dev/null push --force', 'git push origin main --force', 'git push -f origin $(git branch --show-current)',
    'git push origin +refs/heads/*:refs/heads/*', 'git push origin --delete $(git branch -r --merged)', 'git stash clear && git reset --hard',
  ],
  benign: [
    'git push', 'git push origin main', 'git push -u origin feature', 'git push --follow-tags', 'git push --tags', 'git push origin HEAD',
    'git push --set-upstream origin x', 'git push origin v1.0', 'git push --dry-run -f origin main', 'git push origin feature:feature',
    'git push origin HEAD:refs/for/main', 'git reset', 'git reset --soft HEAD~1', 'git reset HEAD file.txt', 'git reset --mixed', 'git reset --keep HEAD~1',
    'git clean -n', 'git clean -nd', 'git clean -fdn', 'git clean -f', 'git checkout main', 'git checkout -b feature', 'git checkout -- src/app.ts',
    'git checkout HEAD~1 -- file.txt', 'git restore file.txt', 'git restore --staged .', 'git restore --staged src/', 'git switch main', 'git switch -c new',
    'git rm --cached -r .', 'git rm file.txt', 'git rm -r --cached node_modules', 'git stash', 'git stash list', 'git stash pop', 'git stash apply',
    'git stash show -p', 'git stash push -m wip', 'git branch -d merged-branch', 'git branch', 'git branch -a', 'git branch -m old new', 'git branch --list',
    'git reflog', 'git reflog show', 'git gc', 'git gc --auto', 'git prune --dry-run', 'git fsck', 'git log --all --oneline', 'git update-ref refs/heads/x HEAD',
    'git commit --amend -m x', 'git rebase -i HEAD~3', 'git fetch --prune', 'git remote prune origin', 'git tag -d v0.1', 'git worktree prune',
    'git status', 'git diff --stat', 'git pull --rebase', 'git merge --no-ff feature', 'git cherry-pick abc123', 'git log -p -- src/', 'git show HEAD',
    'git push origin :', 'git commit -m "git push --force is banned"', 'echo "git reset --hard" >> NOTES.md', 'git clone https://github.com/x/y',
  ],
};
