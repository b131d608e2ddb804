/** Shown on every screen while the vault is sealed: explains what does not work and offers unlock. */
import { useState } from 'preact/hooks';
import { VaultUnlock } from './vault-unlock.js';

export function VaultBanner({ onUnlocked }: { onUnlocked: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <div class="banner" role="status" data-testid="vault-banner">
      <p><strong>The vault is sealed.</strong> Stored secrets (provider keys, environment variables) cannot be read or written until you unlock it. Chat and settings still work.</p>
      {open ? <VaultUnlock onUnlocked={onUnlocked} /> : <button type="button" onClick={() => setOpen(true)}>Unlock vault</button>}
    </div>
  );
}
