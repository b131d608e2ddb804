/** Small shared pieces: copy button, passkey ceremonies, error line. */
import { useState } from 'preact/hooks';
import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { api } from './api.js';

/** Copies `text` to the clipboard; says so for two seconds. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try { await navigator.clipboard.writeText(text); } catch {
      // Clipboard API unavailable (plain HTTP on a LAN address): select the text instead.
      const el = document.querySelector<HTMLElement>('[data-secret]');
      if (el) getSelection()?.selectAllChildren(el);
    }
    setDone(true);
    setTimeout(() => setDone(false), 2000);
  };
  return <button type="button" onClick={() => void copy()}>{done ? 'Copied' : label}</button>;
}

/** An error line (renders nothing when empty). */
export function ErrorLine({ text }: { text: string }) {
  return text ? <p class="error" role="alert">{text}</p> : null;
}

/** Runs a passkey registration: begin → browser ceremony → finish. Returns the finish response. */
export async function registerPasskey(base: string, name: string, extra: Record<string, unknown> = {}): Promise<any> {
  const begin = await api<{ challenge_id: string; options: any }>(`${base}/begin`, { body: { ...extra } });
  const credential = await startRegistration({ optionsJSON: begin.options });
  return api(`${base}/finish`, { body: { ...extra, challenge_id: begin.challenge_id, name, credential } });
}

/** Signs in with a passkey: begin → browser ceremony → finish (sets the session cookie). */
export async function loginWithPasskey(): Promise<void> {
  const begin = await api<{ challenge_id: string; options: any }>('/api/auth/passkey/auth/begin', { body: {} });
  const credential = await startAuthentication({ optionsJSON: begin.options });
  await api('/api/auth/passkey/auth/finish', { body: { challenge_id: begin.challenge_id, credential } });
}

/** A default passkey name from the browser's platform. */
export function defaultPasskeyName(): string {
  const p = (navigator as { userAgentData?: { platform?: string } }).userAgentData?.platform || navigator.platform || 'browser';
  return `Passkey (${p})`;
}
