/**
 * `moltis trust-ca`: the per-OS steps that add the local CA to the user's trust store.
 * Planning is pure; running takes an injected spawn so tests never invoke sudo or a keychain.
 * Trusting is safe to recommend only because the CA is name-constrained (see pki.ts).
 */
import { spawn as nodeSpawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Commands (argv arrays, run in order, no shell) plus text to show the user. */
export interface TrustPlan {
  commands: string[][];
  instructions: string;
}

/** Where Debian/Ubuntu's update-ca-certificates picks up local CAs. */
export const LINUX_CA_DEST = '/usr/local/share/ca-certificates/moltis-ca.crt';

/**
 * The steps to trust `caPath` on `platform`. `uid` decides whether Linux commands need sudo
 * (default: the current process's uid; unknown counts as non-root). `home` locates the macOS
 * login keychain (default: os.homedir(); `~` is not expanded without a shell).
 */
export function trustCaPlan(caPath: string, platform: NodeJS.Platform, opts: { uid?: number; home?: string } = {}): TrustPlan {
  const shown = shellQuote(caPath);
  switch (platform) {
    case 'darwin': {
      const keychain = join(opts.home ?? homedir(), 'Library/Keychains/login.keychain-db');
      return {
        commands: [['security', 'add-trusted-cert', '-r', 'trustRoot', '-k', keychain, caPath]],
        instructions: [
          'Adds the Moltis local CA to your login keychain (macOS asks for your password).',
          'Safari and Chrome use the keychain; Firefox uses its own store unless security.enterprise_roots.enabled is true.',
        ].join('\n'),
      };
    }
    case 'linux': {
      const uid = opts.uid ?? process.getuid?.();
      const sudo = uid === 0 ? [] : ['sudo'];
      return {
        commands: [[...sudo, 'cp', caPath, LINUX_CA_DEST], [...sudo, 'update-ca-certificates']],
        instructions: [
          `Copies the Moltis local CA to ${LINUX_CA_DEST} and runs update-ca-certificates (Debian/Ubuntu${sudo.length ? '; needs sudo' : ''}).`,
          `On Fedora/RHEL/Arch instead: sudo cp ${shown} /etc/pki/ca-trust/source/anchors/moltis-ca.pem && sudo update-ca-trust`,
          'Firefox and Chromium keep their own NSS store; add the CA there too (certutil is in libnss3-tools / nss-tools):',
          `  certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n moltis -i ${shown}`,
          'For Firefox, use its profile directory instead of ~/.pki/nssdb, or Settings → Certificates → Import.',
        ].join('\n'),
      };
    }
    case 'win32':
      return {
        commands: [['certutil', '-addstore', '-user', 'Root', caPath]],
        instructions: 'Adds the Moltis local CA to your user Root store (Windows asks you to confirm). Edge and Chrome use it; Firefox uses its own store unless security.enterprise_roots.enabled is true.',
      };
    default:
      return {
        commands: [],
        instructions: `No automatic trust step for ${platform}. Import ${caPath} into your system or browser trust store as a trusted root for websites ("Moltis Local CA").`,
      };
  }
}

/** Runs one argv without a shell and resolves its exit code (never rejects on a non-zero exit). */
export type TrustSpawn = (command: string, args: string[]) => Promise<number>;

/** Outcome of runTrustCa; `failed` names the first command that did not exit 0. */
export interface TrustRunResult {
  ok: boolean;
  ran: string[][];
  failed: { command: string[]; exitCode: number; error?: string } | null;
}

/**
 * Runs a plan's commands in order with the injected spawn, stopping at the first failure
 * (fail closed: never run update-ca-certificates after a failed copy). A plan without commands
 * is not ok: the user must follow the instructions by hand.
 */
export async function runTrustCa(plan: TrustPlan, deps: { spawn: TrustSpawn; log?: (msg: string) => void }): Promise<TrustRunResult> {
  const ran: string[][] = [];
  if (plan.commands.length === 0) return { ok: false, ran, failed: null };
  for (const command of plan.commands) {
    const [cmd, ...args] = command;
    if (cmd === undefined) continue;
    deps.log?.(`$ ${command.map(shellQuote).join(' ')}`);
    ran.push(command);
    let exitCode: number;
    try {
      exitCode = await deps.spawn(cmd, args);
    } catch (err) {
      return { ok: false, ran, failed: { command, exitCode: -1, error: (err as Error).message } };
    }
    if (exitCode !== 0) return { ok: false, ran, failed: { command, exitCode } };
  }
  return { ok: true, ran, failed: null };
}

/** The real spawn for the CLI: inherits the terminal so sudo and keychain prompts reach the user. */
export const spawnInherit: TrustSpawn = (command, args) => new Promise((resolve, reject) => {
  const child = nodeSpawn(command, args, { stdio: 'inherit', shell: false });
  child.once('error', reject);
  child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
});

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
