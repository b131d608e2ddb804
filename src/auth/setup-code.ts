import { constantTimeEqual, randomFromAlphabet } from '../crypto/index.js';

/** 31 symbols without look-alikes (no 0/O, 1/I/L): about 39.6 bits in 8 characters. */
export const SETUP_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const SETUP_CODE_LENGTH = 8;

export type SetupCodeCheck = 'ok' | 'missing' | 'invalid' | 'expired' | 'none';

/**
 * The one-time setup code that a remote caller must present while no credential exists.
 * Lives only in memory; a fresh one is issued whenever setup becomes incomplete, so there is
 * never a window in which setup is open without a code (the original failed open there).
 */
export function createSetupCodes(opts: { ttlMs: number; now: () => number; onIssued: (code: string, expiresAt: number) => void; fixedCode?: string }) {
  let state: { code: string; expiresAt: number } | null = null;
  const normalize = (s: string) => s.replace(/[\s-]/g, '').toUpperCase();
  return {
    /** Issues a new code, replacing any previous one. */
    issue(): { code: string; expiresAt: number } {
      const code = opts.fixedCode ? normalize(opts.fixedCode) : randomFromAlphabet(SETUP_CODE_ALPHABET, SETUP_CODE_LENGTH);
      state = { code, expiresAt: opts.now() + opts.ttlMs };
      opts.onIssued(state.code, state.expiresAt);
      return state;
    },
    current(): { code: string; expiresAt: number } | null { return state; },
    pending(): boolean { return state !== null; },
    /**
     * Checks a presented code in constant time. An expired code is replaced by a fresh one
     * (printed to the operator's console) so the owner is never locked out until a restart.
     */
    verify(input: unknown): SetupCodeCheck {
      if (state === null) return 'none';
      if (typeof input !== 'string' || input.trim() === '') return 'missing';
      if (opts.now() >= state.expiresAt) {
        this.issue();
        return 'expired';
      }
      return constantTimeEqual(normalize(input), state.code) ? 'ok' : 'invalid';
    },
    /** Single use: called after a successful setup. */
    clear(): void { state = null; },
  };
}
export type SetupCodes = ReturnType<typeof createSetupCodes>;
