/**
 * The dangerous-command floor's named rules: id, what it catches, and where its effect lands.
 * Detectors (the other files here) map normalized commands to these ids; the README's table and
 * `moltis approval check` report them.
 *
 * Scope decides what happens inside a sandbox with `floor_in_sandbox = "outside-effects"`:
 * - `host`: the effect stays on the machine that runs the command, so a sandbox absorbs it. A
 *   rule marked `targeted` rises to `workspace` when its target is `/`, `.`, `*`, `..` or
 *   `/workspace` (those reach the workspace, which is the owner's real directory).
 * - `workspace`: destroys the workspace or its git history, or pushes history away: always asked.
 * - `remote`: acts on another system (database, cluster, cloud, a host over ssh, code fetched
 *   from the network): asked inside a sandbox only when the sandbox has network.
 */
export type Scope = 'host' | 'workspace' | 'remote';

export interface FloorRuleInfo { id: string; category: string; scope: Scope; targeted?: boolean; description: string }

const R = (category: string, scope: Scope, rules: Array<[string, string, boolean?]>): FloorRuleInfo[] =>
  rules.map(([id, description, targeted]) => ({ id, category, scope, ...(targeted ? { targeted } : {}), description }));

/** Every floor rule, in README order. */
export const FLOOR_RULES: readonly FloorRuleInfo[] = Object.freeze([
  ...R('filesystem', 'workspace', [
    ['rm-rf-root', 'recursive delete of / or /* (rm, srm, wipe, interpreters\' rmtree/rm_rf/rmSync)'],
    ['rm-rf-workspace', 'recursive delete of the working tree: ., *, .., ./*, /workspace'],
  ]),
  ...R('filesystem', 'host', [
    ['rm-rf-system', 'recursive delete of a system directory or its direct contents (/etc, /usr, /var/lib, …)'],
    ['rm-rf-home', 'recursive delete of a home directory (~, $HOME, /root, /home/NAME), with or without -f'],
    ['find-delete', 'find -delete or -exec rm under /, ~ or a system directory, or over the whole working tree', true],
    ['mv-away', 'mv of /, ~ or a system directory, or of anything onto /dev/null', true],
    ['rsync-delete', 'rsync --delete onto /, ~ or a system directory', true],
    ['archive-overwrite', 'tar -x / unzip into /, ~ or a system directory', true],
    ['chmod-recursive', 'recursive chmod/chown/chgrp of /, ~ or a system directory', true],
    ['shred', 'shred, srm, wipe: irrecoverable overwrite of files or devices'],
  ]),
  ...R('critical files', 'host', [
    ['critical-file-write', 'overwrite or append to /etc/*, /boot/*, system binaries, ~/.ssh/*, shell rc files, /proc/sys, /sys (redirection, tee, cp, mv, install, ln, truncate, dd, sed -i)'],
    ['critical-file-delete', 'rm, unlink or mv away of those files'],
  ]),
  ...R('git', 'workspace', [
    ['git-push-force', 'git force push: -f, --force, --force-with-lease, --force-if-includes, +refspec, --mirror'],
    ['git-push-delete', 'git push deleting remote refs: --delete, -d, :ref, --prune'],
    ['git-reset-hard', 'git reset --hard'],
    ['git-clean-force', 'git clean -f with -d, -x or -X'],
    ['git-discard-changes', 'git checkout -- . / checkout -f / restore . (worktree) / switch -f / rm -r .'],
    ['git-stash-drop', 'git stash drop / clear'],
    ['git-branch-force-delete', 'git branch -D (or --delete --force)'],
    ['git-history-prune', 'git reflog expire/delete to now, gc --prune=now'],
    ['git-history-rewrite', 'git filter-branch, git filter-repo, bfg'],
    ['git-update-ref-delete', 'git update-ref -d'],
  ]),
  ...R('databases', 'remote', [
    ['sql-drop', 'SQL DROP TABLE/DATABASE/SCHEMA/KEYSPACE or ALTER … DROP COLUMN through a client (psql, mysql, sqlite3, cqlsh, …), dropdb'],
    ['sql-truncate', 'SQL TRUNCATE through a client'],
    ['sql-delete-all', 'SQL DELETE without WHERE (or WHERE 1=1 / true) through a client'],
    ['sql-update-all', 'SQL UPDATE without WHERE through a client'],
    ['nosql-flush', 'redis/valkey FLUSHALL or FLUSHDB'],
    ['nosql-drop', 'MongoDB dropDatabase(), .drop(), deleteMany({}) / remove({}) / updateMany({}) on a whole collection'],
    ['http-delete-index', 'HTTP DELETE of a search or database index (Elasticsearch/OpenSearch, CouchDB, Solr, Qdrant, …)'],
  ]),
  ...R('containers and clusters', 'remote', [
    ['container-mass-remove', 'docker/podman rm/rmi -f of computed lists, rmi -f, container prune, image prune -a, stack rm'],
    ['container-prune', 'docker/podman system prune'],
    ['container-volume-remove', 'volume rm / prune, compose down -v'],
    ['kubectl-delete-broad', 'kubectl delete of namespaces, nodes, PVs, PVCs, CRDs, storage classes, or with --all / -A; drain --delete-emptydir-data; oc delete project'],
    ['helm-uninstall', 'helm uninstall / delete'],
    ['cluster-delete', 'kind / minikube / k3d / eksctl cluster deletion'],
  ]),
  ...R('cloud and IaC', 'remote', [
    ['cloud-delete', 'cloud CLIs deleting resources: aws … delete-*/terminate-*/s3 rb/rm --recursive, gcloud … delete, gsutil rm -r/rb, az … delete/purge, doctl, heroku, fly'],
    ['iac-destroy', 'terraform/tofu/terragrunt destroy, apply -destroy, state rm, workspace delete; pulumi destroy/stack rm; cdk/cdktf destroy; serverless remove; sam delete'],
  ]),
  ...R('disks', 'host', [
    ['mkfs', 'make a filesystem on a device (mkfs*, mke2fs, mkswap)'],
    ['dd-device', 'dd writing to a block device (of=/dev/…)'],
    ['device-write', 'redirect, tee or cp onto a block device'],
    ['disk-wipe', 'wipefs -a, blkdiscard, sgdisk --zap-all/-o, hdparm --security-erase, nvme format/sanitize, cryptsetup luksFormat/erase, mdadm --zero-superblock, zpool/zfs destroy, LVM remove, badblocks -w'],
    ['partition-write', 'partitioners writing a device: fdisk, sfdisk, parted, gdisk, cfdisk'],
  ]),
  ...R('processes and system', 'host', [
    ['kill-all', 'kill -1 / kill 1, killall5, pkill/killall of every process, a user\'s processes, or system daemons'],
    ['fork-bomb', 'a function calling itself twice, in a pipe or in the background, or code forking in a loop'],
    ['shutdown', 'shutdown, reboot, halt, poweroff, init 0/6, systemctl poweroff|reboot|halt|kexec'],
    ['crontab-remove', 'crontab -r'],
    ['dangerous-env', 'a loader/runtime hook set for commands (LD_PRELOAD=…, DYLD_*, NODE_OPTIONS, BASH_ENV, ENV, PERL5OPT, …)'],
  ]),
  ...R('code execution', 'remote', [
    ['curl-pipe-shell', 'downloaded content executed (curl … | sh, bash <(curl …), sh -c "$(curl …)")'],
  ]),
  ...R('code execution', 'workspace', [
    ['stdin-script', 'a shell or interpreter runs a program from a producer the parser cannot read (cat x | sh, base64 -d | bash, xargs sh -c {})'],
    ['dynamic-command', 'the command name is computed at run time and cannot be resolved ($(…) -rf /, $CMD, "$@", {rm,-rf,/})'],
    ['dynamic-code', 'inline code (python -c, perl -e, node -e, sed e, …) runs or deletes something computed at run time'],
    ['unparsable', 'input the shell parser cannot read completely (a syntax error, scripts nested deeper than 8, over 64 KiB)'],
  ]),
]);

export type RuleId = string;
