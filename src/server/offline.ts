/**
 * The parts of the gateway a CLI command needs without a listening server (`moltis auth …`),
 * assembled here, in the composition root, like the running gateway's: the CLI never wires
 * store, bus and auth by hand.
 */
import { createAuth, createLoginGuard, type Auth } from '../auth/index.js';
import { createEventBus } from '../events/index.js';
import { createStore, databasePath } from '../store/index.js';
import { DEFAULTS } from '../config/index.js';
import { loginGuardOptions } from './options.js';

/**
 * Runs `fn` against `<dataDir>/moltis.db` directly (the gateway may be running: SQLite WAL allows
 * it, and the gateway re-checks credentials on every request, so revocations apply at once).
 */
export function withOfflineAuth<T>(dataDir: string, fn: (auth: Auth) => T): T {
  const store = createStore({ path: databasePath(dataDir) });
  const bus = createEventBus();
  try {
    const auth = createAuth({
      store, bus, guard: createLoginGuard({ ...loginGuardOptions(DEFAULTS), now: Date.now }), now: Date.now,
      // Offline: never issue or print a setup code from the CLI.
      disabled: true, sessionTtlMs: 1, sessionIdleMs: 1, maxSessions: 1, setupCodeTtlMs: 1, onSetupCode: () => {},
    });
    return fn(auth);
  } finally {
    bus.close();
    store.close();
  }
}
