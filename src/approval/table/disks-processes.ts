import type { TableSection } from './types.js';

/** Block devices, partition tables, process sweeps, fork bombs, cron wipes and power state. */
export const DISKS_PROCESSES: TableSection = {
  category: 'disks and processes',
  destructive: [
    'dd if=/dev/zero of=/dev/sda', 'dd if=/dev/urandom of=/dev/nvme0n1 bs=1M', 'dd if=image.iso of=/dev/sdb bs=4M status=progress',
    'sudo dd of=/dev/mmcblk0 if=x.img', 'dd if=/dev/zero of=/dev/disk2', 'dd if=/dev/zero of=/dev/mapper/vg-root', 'dd if=/dev/zero of=/dev/vda bs=512 count=1',
    'mkfs.ext4 /dev/sda1', 'mkfs -t xfs /dev/sdb', 'mkfs.vfat /dev/sdc1', 'mke2fs /dev/sdb1', 'mkswap /dev/sda2', 'mkfs.btrfs -f /dev/nvme0n1p3',
    'wipefs -a /dev/sda', 'wipefs --all /dev/nvme0n1', 'shred -vfz -n 5 /dev/sda', 'blkdiscard /dev/nvme0n1', 'blkdiscard -f /dev/sda', 'fdisk /dev/sda',
    'sfdisk /dev/sda < layout.txt', 'sfdisk --delete /dev/sda 1', 'parted /dev/sda mklabel gpt', 'parted -s /dev/sdb rm 1',
    'parted /dev/sda --script mkpart primary 0% 100%', 'sgdisk --zap-all /dev/sda', 'sgdisk -Z /dev/nvme0n1', 'sgdisk -o /dev/sdb', 'gdisk /dev/sda',
    'cfdisk /dev/sda', 'hdparm --security-erase NULL /dev/sda', 'hdparm --user-master u --security-erase-enhanced p /dev/sdb', 'nvme format /dev/nvme0n1',
    'nvme sanitize /dev/nvme0 -a 2', 'cryptsetup luksFormat /dev/sdb1', 'cryptsetup erase /dev/sdb1', 'mdadm --zero-superblock /dev/sdb1', 'zpool destroy tank',
    'zfs destroy -r tank/data', 'lvremove -f /dev/vg0/root', 'vgremove vg0', 'pvremove /dev/sdb', 'badblocks -w /dev/sdb',
    'kill -9 -1', 'kill -KILL -1', 'kill -s KILL -1', 'kill -- -1', 'kill -9 1', 'kill 1', 'kill -TERM 1', 'sudo kill -9 -1', 'killall5 -9',
    'pkill -9 -u root', 'pkill -9 .', `pkill -KILL -f '.*'`, 'killall -9 -u alice', 'killall -9 sshd', 'killall -9 systemd', 'pkill -9 init',
    'killall -KILL dockerd', 'pkill sshd', ':(){ :|:& };:', 'bomb(){ bomb|bomb& }; bomb', 'f(){ f|f& }; f', '.(){ .|.& };.', 'fork() { fork & fork & }; fork',
    `perl -e 'fork while fork'`, `python3 -c 'import os\nwhile True: os.fork()'`, `ruby -e 'loop { fork }'`, 'crontab -r', 'crontab -r -u alice', 'crontab -ri',
    'sudo crontab -r', 'shutdown -h now', 'shutdown -r +5', 'reboot', 'sudo reboot -f', 'poweroff', 'halt', 'init 0', 'init 6', 'telinit 0', 'systemctl poweroff',
    'systemctl reboot --force', 'systemctl halt', 'systemctl kexec', 'kill -9 $(pgrep -f .)', 'echo o > /proc/sysrq-trigger', 'sudo shutdown now',
    // Probe rows, written as a held-out check before the rules were tuned:
    "find $HOME -type f -exec shred -u {} \\;", "dd if=/dev/zero of=/dev/sda bs=1M count=10", "sudo dd if=/dev/urandom of=/dev/nvme0n1p1",
    "sudo mkfs -t ext4 /dev/sdb1", "sudo wipefs -af /dev/sdb", "sudo shred -n1 -z /dev/sdb",
    "echo 1 > /proc/sys/kernel/sysrq && echo b > /proc/sysrq-trigger", "kill -9 $(ps -e -o pid=)", "pkill -9 -f .", "sudo pkill -KILL -u $(whoami)",
    "crontab -r; crontab -l", "sudo shutdown -r now", "systemctl reboot -i", "sudo init 6", "exec 3>/dev/sda; echo x >&3", "cp /dev/zero /dev/sda",
    "cat image.img > /dev/mmcblk0", "dd if=/dev/zero of=/dev/sda1 bs=4096", "dd of=/dev/sda < /dev/zero", "cat /dev/zero > /dev/sda",
    "pv image.iso > /dev/sdb", "head -c 1M /dev/urandom > /dev/sda", "mkfs.xfs -f /dev/nvme0n1", "wipefs -a -f /dev/sda",
    "echo -e \"o\\nw\" | fdisk /dev/sda", "kill -SIGKILL -1", "killall -9 -r \".*\"", "sudo kill -9 $(pidof sshd)", "echo \"\" | crontab -",
    "crontab /dev/null",
    "pkill -9 -x bash",
  ],
  benign: [
    'dd if=/dev/zero of=./disk.img bs=1M count=100', 'dd if=/dev/sda of=backup.img bs=4M', 'dd if=/dev/urandom bs=16 count=1 | xxd', 'lsblk', 'fdisk -l',
    'fdisk -l /dev/sda', 'sfdisk -l /dev/sda', 'sfdisk -d /dev/sda > table.txt', 'parted -l', 'parted /dev/sda print', 'sgdisk -p /dev/sda', 'blkid', 'df -h',
    'mount', 'hdparm -I /dev/sda', 'hdparm -t /dev/sda', 'nvme list', 'smartctl -a /dev/sda', 'cryptsetup status x', 'zpool status', 'zfs list', 'lvs',
    'mkfs.ext4 -F ./rootfs.img', 'mkswap ./swapfile.img', 'wipefs ./disk.img', 'kill 1234', 'kill -9 4242', 'kill %1', 'kill -HUP $(cat /var/run/nginx.pid)',
    `pkill -f 'node server.js'`, 'pkill -HUP sshd', 'killall -HUP nginx', 'killall firefox', `pkill -9 -f "python train.py"`, 'kill -0 1', 'pgrep -u root',
    'ps aux', 'crontab -l', 'shutdown -c', 'systemctl status', 'systemctl restart nginx', 'systemctl list-units', 'uptime', 'last reboot', 'runlevel',
    'f(){ echo hi; }; f', 'countdown(){ [ $1 -gt 0 ] && countdown $(( $1 - 1 )); }; countdown 3', 'kill -TERM $!', 'kill $(cat app.pid)', 'killall -USR1 dd',
    'shred --help', 'lsof /dev/sda', 'echo "reboot required" > status.txt', 'journalctl -b -1', 'systemctl --user restart app', 'timeout 5 sleep 10',
    `perl -e 'my $pid = fork; exit if $pid; print "child\\n"'`, 'docker kill web', 'nvme smart-log /dev/nvme0', 'zfs snapshot tank/data@today',
    // Probe rows, written as a held-out check before the rules were tuned:
    "kill -9 $(lsof -t -i:3000)", "pkill -f \"vite\"", "crontab -l > cron.bak", "crontab -l", "echo \"0 * * * * x\" | crontab -", "killall -9 myapp",
    "pkill -9 -f myscript.py",
    "pkill -f \"node server\"",
  ],
};
