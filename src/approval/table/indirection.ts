import type { TableSection } from './types.js';

/** Variables, aliases, functions, escapes and builtins standing between the reader and the command. */
export const INDIRECTION: TableSection = {
  category: 'variable and alias indirection',
  destructive: [
    'c=rm; $c -rf /', 'c=rm; $c -rf ~', 'cmd="rm -rf /"; $cmd', 'x=/; rm -rf $x', 'd=~; rm -rf "$d"', 'target=/etc; rm -rf $target',
    'R=rm F=-rf; $R $F /', 'x=rm; y=-rf; $x $y /', 'c=rm; eval "$c -rf /"', 'p=/; eval rm -rf $p', 'set -- rm -rf /; "$@"',
    'a=(rm -rf /); "${a[@]}"', 'read -r c <<< rm; $c -rf /', 'c=$(which rm); $c -rf /', 'IFS=,; c=rm,-rf,/; $c', '${c:-rm} -rf /',
    'rm -rf "${HOME}"', 'rm -rf "$HOME"/', 'rm -rf ~/', String.raw`\rm -rf /`, String.raw`\rm -rf ~`, 'command rm -rf /', 'command -p rm -rf ~',
    'builtin command rm -rf /', 'exec rm -rf /', 'exec -a x rm -rf ~', 'export LD_PRELOAD=/tmp/evil.so; ls', 'export LD_PRELOAD=./x.so && make',
    'LD_PRELOAD=/tmp/x.so ls', 'env LD_PRELOAD=/tmp/x.so id', 'declare -x LD_PRELOAD=/tmp/e.so; whoami', 'export BASH_ENV=/tmp/evil; bash -c true',
    `NODE_OPTIONS='--require /tmp/evil.js' node app.js`, 'export NODE_OPTIONS=--require=/tmp/x.js; npm test', 'PERL5OPT=-Mevil perl x.pl',
    'DYLD_INSERT_LIBRARIES=/tmp/x.dylib ls', 'rm -r ~', 'rm -r $HOME', 'rm -R ~/', `alias ll='rm -rf /'; ll`, `alias ls='rm -rf ~'`,
    'f() { rm -rf /; }; f', 'function wipe { rm -rf ~; }; wipe', 'sudo rm -rf /', 'sudo -u root -E rm -rf ~', 'doas -u root rm -rf /etc',
    '"rm" \'-rf\' "/"', "r''m -rf /", 'r\\m -rf /', '/usr/bin/env rm -rf ~', 'env -i rm -rf ~/', 'env FOO=1 rm -rf ~', 'nohup rm -rf $HOME &',
    'x=/etc; y=/usr; rm -rf $x $y', 'dir=~; cd $dir && rm -rf *', 'cd / && rm -rf *', 'cd ~ && rm -rf .', 'cd; rm -rf *', 'cd /etc; rm -rf ./*',
    'pushd / && rm -rf *', 'cd "$HOME" && rm -rf -- *', 'cd /etc && echo x > passwd', 'export ENV=/tmp/evil.sh; sh -i',
    'JAVA_TOOL_OPTIONS=-javaagent:/tmp/a.jar java -jar app.jar', 'export PROMPT_COMMAND="rm -rf ~"; bash -i',
    // Probe rows, written as a held-out check before the rules were tuned:
    "rm -rf \"${HOME:?}\"/*", "cd /; rm -rf --one-file-system *", "X=/; rm -rf \"$X\"*", "for d in $(ls /); do rm -rf \"/$d\"; done",
    "cmd=rm; opts=\"-rf\"; $cmd $opts ~", "alias c=\"rm -rf\"; c /", "DIR=; rm -rf $DIR/", "export X=/ && rm -rf $X", "rm -rf $(pwd)", "rm -rf `echo ~`",
    "rm -rf \"$(pwd)\"/*",
    "read -r dir; rm -rf \"$dir\"/", "a=r; b=m; $a$b -rf /",
  ],
  benign: [
    'c=ls; $c -la', 'x=build; rm -rf $x', 'd=./dist; rm -rf "$d"', 'dir=/tmp/out; rm -rf "$dir"', 'export PATH="$HOME/.local/bin:$PATH"',
    'export NODE_ENV=production; npm run build', 'NODE_ENV=test npm test', 'PYTHONPATH=src python -m pytest', 'DEBUG=1 make', 'CI=true npm test',
    String.raw`\ls -la`, 'command -v rm', 'command ls', 'type rm', `alias ll='ls -la'`, 'alias', 'f() { echo hi; }; f', 'echo $HOME', 'ls ~/',
    'cd ~ && ls', 'set -e; make', '"$HOME/.local/bin/tool" --version', '~/bin/deploy --dry-run', 'for f in *.txt; do wc -l "$f"; done',
    'for d in build dist; do rm -rf "$d"; done', 'read -r name; echo "$name"', 'x=$(date); echo $x', 'eval "$(ssh-agent -s)"', 'eval "$(pyenv init -)"',
    'source <(kubectl completion bash)', 'source ./venv/bin/activate', '. ~/.nvm/nvm.sh', 'sudo apt-get install -y jq', 'sudo systemctl status nginx',
    'exec bash', 'env | sort', 'env -i PATH=/usr/bin make', 'cd build && rm -rf *', 'cd /tmp/work && rm -rf ./*', 'cd "$(mktemp -d)" && rm -rf ./*',
    'pushd src && ls && popd', 'builtin echo hi', 'exec node server.js', 'nohup ./server &', 'time make', 'export EDITOR=vim', 'unset TMPDIR; ls',
    'export GOFLAGS=-mod=mod; go build ./...', 'JAVA_HOME=/usr/lib/jvm/java-17 ./gradlew build', 'cd ..; ls', 'cd /etc && cat hosts',
    'v=1.2.3; git tag "v$v"', 'files=$(ls); echo "$files"', 'sudo -E npm install -g pnpm', 'cd ~/project && rm -rf node_modules',
    // Probe rows, written as a held-out check before the rules were tuned:
    "dd if=/dev/zero of=/tmp/swap bs=1M count=64", "echo \"export X=1\" >> ./.envrc",
    "for f in $(git ls-files); do rm -rf \"$f\"; done", "dir=$(git rev-parse --show-toplevel)/dist; rm -rf \"$dir\"",
  ],
};
