import type { TableSection } from './types.js';

/** Newline-separated lists and heredoc bodies: each line is checked like a `;` list. */
export const MULTI_LINE: TableSection = {
  category: 'multi-line input',
  destructive: [
    'cd /tmp\nrm -rf /', 'echo start\nrm -rf ~\necho done', 'ls\n\ngit push --force origin main', 'set -e\nmake\ngit reset --hard origin/main',
    '#!/bin/bash\nrm -rf /*', 'echo a && \\\nrm -rf /', 'for i in 1 2; do\n  echo $i\ndone\nmkfs.ext4 /dev/sdb', 'if [ -d /tmp ]; then\n  rm -rf ~\nfi',
    `bash <<'EOF'\necho cleaning\nrm -rf /\nEOF`, 'sh <<EOF\ncd /\nrm -rf *\nEOF', 'cat <<EOF | sh\nrm -rf ~\nEOF', 'psql <<SQL\nSELECT 1;\nDROP TABLE users;\nSQL',
    'mysql app <<EOF\nUPDATE users SET admin=1;\nEOF', 'redis-cli <<EOF\nPING\nFLUSHALL\nEOF', "python3 <<EOF\nimport shutil\nshutil.rmtree('/etc')\nEOF",
    `node <<'JS'\nrequire('fs').rmSync(require('os').homedir(), {recursive: true})\nJS`, 'mongosh <<EOF\nuse prod\ndb.dropDatabase()\nEOF',
    'echo ok\nterraform destroy -auto-approve', 'x=1\ny=2\nkubectl delete ns prod', 'docker ps\ndocker system prune -af --volumes', 'true\n:(){ :|:& };:',
    'echo hi;\n\n\ncrontab -r', 'cd ~ &&\nrm -rf .', '(\n  cd /\n  rm -rf *\n)', '{\n rm -rf ~\n}', 'function cleanup {\n  rm -rf /\n}\ncleanup',
    'while read -r l; do echo $l; done < f\nrm -rf /etc', `sh -c '\nrm -rf /\n'`, 'bash -c "echo 1\nrm -rf ~"', `ruby <<EOF\nsystem('rm -rf /')\nEOF`,
    `perl <<'EOF'\nsystem 'rm -rf ~';\nEOF`, 'git add -A\ngit commit -m wip\ngit push -f', 'echo step1\n\tgit clean -fdx', 'echo a\r\nrm -rf /',
    'cat > x.sh <<EOF\necho hi\nEOF\nsh x.sh\nrm -rf ~', 'ssh db <<EOF\ndropdb prod\nEOF', 'bash -s <<EOF\nshred -u /dev/sda\nEOF',
    'sqlite3 app.db <<EOF\n.tables\nDELETE FROM users;\nEOF', 'kubectl get ns\nkubectl delete namespace staging', 'aws s3 ls\naws s3 rb s3://data --force',
    // Probe rows, written as a held-out check before the rules were tuned:
    "cat <<EOF | bash\nrm -rf /\nEOF",
  ],
  benign: [
    'cd build\nmake\nmake test', 'echo start\nls -la\necho done', 'git add -A\ngit commit -m x\ngit push', 'cat <<EOF > notes.md\nrm -rf / is dangerous\nEOF',
    'psql <<SQL\nSELECT * FROM users;\nSQL', `python3 <<EOF\nprint('rm -rf /')\nEOF`, 'bash <<EOF\nnpm ci\nnpm test\nEOF', 'for f in *.md; do\n  wc -l "$f"\ndone',
    'if true; then\n  echo ok\nfi', 'set -euo pipefail\nrm -rf ./dist\nnpm run build', 'redis-cli <<EOF\nPING\nINFO\nEOF', 'mongosh <<EOF\ndb.users.find().limit(1)\nEOF',
    'docker compose down\ndocker compose up -d', 'kubectl get pods\nkubectl delete pod web-1', 'terraform init\nterraform plan', 'git fetch\ngit reset --soft origin/main',
    `cat > script.sh <<'EOF'\nrm -rf /tmp/x\nEOF\nchmod +x script.sh`, `echo 'git push -f' >> TODO.md`, 'python3 - <<EOF\nimport shutil\nshutil.rmtree("build")\nEOF',
    'sqlite3 app.db <<EOF\n.tables\nSELECT count(*) FROM users;\nEOF', 'cat <<EOF\nDROP TABLE users;\nEOF', 'npm ci\nnpm run lint\nnpm test',
    'mkdir -p out\ncd out\ncmake ..\nmake -j2', 'export A=1\nexport B=2\n./run.sh', 'echo a\r\necho b', 'tee README.md <<EOF\n# Title\nrm -rf / is bad\nEOF',
    'while true; do\n  curl -s localhost:8080/health && break\n  sleep 1\ndone', 'case "$1" in\n  start) echo go;;\n  *) echo no;;\nesac',
    'ssh host <<EOF\nuptime\ndf -h\nEOF', 'bash -s <<EOF\necho $HOME\nEOF', 'git stash\ngit pull\ngit stash pop', 'aws s3 ls\naws s3 cp a s3://b/',
    'psql <<EOF\nDELETE FROM jobs WHERE done;\nEOF', 'node <<EOF\nconsole.log(1)\nEOF',
  ],
};
