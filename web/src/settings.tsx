/** Settings shell: tabs for Models, Security, Vault, Identity, Sandbox & network, Channels. */
import type { Navigate } from './main.js';
import { SecuritySettings } from './settings-security.js';
import { VaultSettings } from './settings-vault.js';
import { IdentitySettings } from './settings-identity.js';
import { SandboxSettings } from './settings-sandbox.js';
import { ChannelSettings } from './settings-channels.js';
import { ModelsSettings } from './settings-models.js';

const TABS = [
  { path: '/settings/models', label: 'Models' },
  { path: '/settings/security', label: 'Security' },
  { path: '/settings/vault', label: 'Vault' },
  { path: '/settings/identity', label: 'Identity' },
  { path: '/settings/sandbox', label: 'Sandbox & network' },
  { path: '/settings/channels', label: 'Channels' },
];

export function Settings({ path, navigate, vault, onVault }: { path: string; navigate: Navigate; vault: string; onVault: (s: string) => void }) {
  const tab = TABS.find((t) => path.startsWith(t.path))?.path ?? '/settings/security';
  return (
    <main class="settings" data-screen="settings">
      <nav class="tabs" aria-label="Settings sections">
        {TABS.map((t) => (
          <a key={t.path} href={t.path} class={t.path === tab ? 'tab active' : 'tab'} aria-current={t.path === tab ? 'page' : undefined}
            onClick={(e) => { e.preventDefault(); navigate(t.path); }}>{t.label}</a>
        ))}
      </nav>
      {tab === '/settings/models' && <ModelsSettings vault={vault} />}
      {tab === '/settings/security' && <SecuritySettings />}
      {tab === '/settings/vault' && <VaultSettings vault={vault} onVault={onVault} />}
      {tab === '/settings/identity' && <IdentitySettings />}
      {tab === '/settings/sandbox' && <SandboxSettings />}
      {tab === '/settings/channels' && <ChannelSettings />}
    </main>
  );
}
