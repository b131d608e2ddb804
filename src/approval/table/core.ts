import type { TableSection } from './types.js';

/** Recursive deletion, moves, permission sweeps and archive/rsync overwrites of whole trees. */
export const CORE: TableSection = {
  category: 'core filesystem',
  destructive: [
    'rm -rf /', 'rm -rf /*', 'rm -fr /', 'rm -r /', 'rm -R /', 'rm --recursive --force /', 'rm -rf --no-preserve-root /',
    'rm -rf -- /', '/bin/rm -rf /', '/usr/bin/rm -rf /*', 'rm -rf //', 'rm -rf /.', 'rm -rf /./', 'rm -rf /usr/..', 'rm -rf {/,}',
    'rm -rf ~', 'rm -rf ~/', 'rm -rf ~/*', 'rm -rf $HOME', 'rm -rf "$HOME"', 'rm -rf ${HOME}', 'rm -rf "${HOME}/"', 'rm -rf $HOME/*',
    'rm -r "$HOME"/*', 'rm -rf ~root', 'rm -rf /root', 'rm -rf /home/alice', 'rm -rf /home/*', 'rm -rf /Users/bob', 'rm -rf ~/.*',
    'rm -rf /etc', 'rm -rf /etc/', 'rm -rf /usr', 'rm -rf /usr/lib', 'rm -rf /var', 'rm -rf /var/lib', 'rm -rf /boot', 'rm -rf /bin',
    'rm -rf /sbin', 'rm -rf /lib', 'rm -rf /lib64', 'rm -rf /opt', 'rm -rf /srv', 'rm -rf /dev', 'rm -rf /sys', 'rm -rf /proc',
    'rm -rf /System', 'rm -rf /Library', 'rm -rf /Applications', 'rm -rf /private/var', 'rm -rf /etc/*', 'rm -rf /usr/*', 'rm -rf /var/*',
    'rm -rf .', 'rm -rf *', 'rm -rf ./*', 'rm -rf ..', 'rm -rf ../*', 'rm -r *', 'rm -rf .* *', 'rm -rf /workspace', 'rm -rf /workspace/*',
    'rm -rf ./', 'rm -rf ../..', 'rm -rf "$DIR/"', 'rm -rf "$STEAMROOT/"*', 'rm -rf $PREFIX/*', 'srm -r /', 'wipe -rf ~',
    'find / -delete', 'find ~ -delete', 'find /etc -delete', 'find / -type f -delete', 'find . -delete', String.raw`find / -exec rm -rf {} \;`,
    'find ~ -exec rm {} +', String.raw`find /usr -type f -exec rm -f {} \;`, 'find . -mindepth 1 -delete', "find / -name '*' -delete",
    'chmod -R 777 /', 'chmod -R 000 ~', 'chown -R nobody:nogroup /', 'chown -R root ~', 'chmod -R a-rwx /etc', 'chgrp -R nogroup /usr',
    'chmod --recursive 000 /home', 'mv / /dev/null', 'mv ~ /dev/null', 'mv /etc /tmp/etc', 'mv $HOME /tmp/x', 'mv /usr /usr.old',
    'mv important.db /dev/null', 'rsync -a --delete empty/ /', 'rsync -a --delete /tmp/empty/ ~/', 'rsync -r --delete-before x/ /etc/',
    'rsync -av --delete-after ./empty/ $HOME/', 'tar -C / -xf backup.tar', 'tar xf evil.tar -C /', 'tar -xzf x.tgz --directory=/etc',
    'tar -x -f a.tar -C ~', 'unzip -o evil.zip -d /', 'shred -u secrets.txt', 'shred -n 3 -z notes.txt',
    // Probe rows, written as a held-out check before the rules were tuned:
    "sudo rm -rf --no-preserve-root /", "rm -rf / --no-preserve-root", "rm -r -f -- ~", "rm -vrf ~/", "yes | rm -r ~", "rm --recursive ~",
    "find / -mindepth 1 -maxdepth 1 -exec rm -rf {} +", "f(){ f & f; }; f", "rsync -a --delete --exclude x /empty/ /home/user/",
    "tar xpf backup.tar -C / --overwrite", "chmod -R 000 /etc", "chown -R www-data:www-data /", "rm -rf $(echo /)", "rm -rf ~/{.,}*",
    "rm -rf /{etc,usr}", "rm -rf /???", "env -u HOME rm -rf ~", "rm -rf -- ./*", "rm -rf ./{*,.*}", "rm -rf \"$PWD\"",
    "find . -maxdepth 1 -exec rm -rf {} \\;",
  ],
  benign: [
    'rm -rf build', 'rm -rf ./build', 'rm -rf ./node_modules', 'rm -rf dist/ coverage/', 'rm -rf /tmp/build-123', 'rm -rf ~/project/dist',
    'rm -rf ~/.cache/pip', 'rm -f /etc-backup.txt', 'rm -r /tmp/x', 'rm -rf target', 'rm -rf .next', 'rm -rf ./.venv', 'rm file.txt',
    'rm -f *.log', 'rm -rf __pycache__', 'rm -rf src/generated', 'rm -rf /tmp/*.tmp', 'rm -rf "$TMPDIR/build"', 'rm -rf "${BUILD_DIR:?}/"*',
    'echo "rm -rf /"', "echo 'rm -rf ~' > notes.txt", 'grep -r "rm -rf" scripts/', 'rm -rf "$HOME/.cache/yarn"', 'rm -r ~/tmp/scratch',
    "find . -name '*.pyc' -delete", 'find . -type d -name __pycache__ -exec rm -rf {} +', 'find /tmp -mtime +7 -delete',
    'find build -type f -delete', 'find . -name node_modules -prune', 'find / -name x 2>/dev/null', "find ~/Downloads -name '*.part' -delete",
    'chmod -R 755 ./dist', 'chmod -R u+w build', 'chown -R $(id -u) ./data', 'chmod +x script.sh', 'chmod 600 ~/.ssh/id_ed25519',
    'mv build dist', 'mv ~/Downloads/x.tar.gz .', 'mv old.txt /tmp/', 'rsync -av src/ backup/', 'rsync -a --delete dist/ /var/www/site/',
    'rsync -a --delete ./out/ ../mirror/', 'tar -xzf release.tgz', 'tar -C /tmp -xf x.tar', 'tar -czf backup.tgz ~/project', 'unzip x.zip -d out/',
    'tar -tf x.tar', 'ls /', 'du -sh ~', 'cp -r src /tmp/backup', 'rm -rf -- "$WORKDIR/cache"', 'rm -rf ./tmp/* ./logs/*',
    // Probe rows, written as a held-out check before the rules were tuned:
    "rm -rf ./dist ./build", "rm -rf node_modules package-lock.json && npm install", "find . -name \"*.log\" -mtime +30 -delete",
    "echo \"nameserver 1.1.1.1\" > ./resolv.conf", "cp .env.example .env", "sed -i \"s/x/y/\" config.yml", "truncate -s 0 ./logs/app.log",
    "rsync -avz --delete ./site/ user@host:/var/www/site/", "tar xzf node.tar.gz -C ~/.local", "chmod -R g+w ./shared", "printf \"y\\n\" | npm init",
    "yes | npx create-react-app x", "make clean && make", "go clean -cache", "cargo clean", "npm cache clean --force", "pip cache purge", "rm -f core.*",
    "rm -rf $(mktemp -d)", "rm -rf \"$TMPDIR\"/x", "rm -rf /tmp/$USER-cache", "ls | grep -v keep | head", "rm -rf ./.cache", "rm -rf .gitignore.bak",
    "rm -rf .github/workflows/old.yml", "make -C build clean", "npm run clean", "ls /???", "echo /b*", "chmod -R 755 ~/bin", "tar -xf a.tar -C ./etc",
  ],
};
