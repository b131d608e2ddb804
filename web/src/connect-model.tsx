/**
 * "Connect a model": pick OpenAI, Anthropic or an OpenAI-compatible server, paste a key, press
 * Test (the server's own model list, or its refusal in words), choose the default model, save.
 * Local servers found on this machine are offered with one click. Used by onboarding and by
 * Settings > Models; everything goes through the `providers.*` RPC (keys end in the vault).
 */
import { useEffect, useState } from 'preact/hooks';
import { errorText, rpc } from './api.js';
import { ErrorLine } from './util.js';

/** `providers.available`: the kinds the gateway knows and the local servers it found. */
export interface Available {
  kinds: Array<{ kind: Kind; label: string; name: string | null; defaultBaseUrl: string | null; keyEnv: string | null; needsKey: boolean; hint: string }>;
  local: Array<{ id: string; label: string; baseUrl: string; running: boolean; models: string[] }>;
  note: string;
}
type Kind = 'openai' | 'anthropic' | 'openai-compatible';
type Validation = { valid: true; models: string[] } | { valid: false; error: string };

/** Loads `providers.available` once (local detection takes up to a second). */
export function useAvailable(): [Available | null, string] {
  const [a, setA] = useState<Available | null>(null);
  const [error, setError] = useState('');
  useEffect(() => { rpc<Available>('providers.available').then(setA, (e) => setError(errorText(e))); }, []);
  return [a, error];
}

/** Saves an OpenAI-compatible server with its models and makes `model` the default. */
async function saveCompatible(name: string, baseUrl: string, key: string, models: string[], model: string): Promise<string> {
  const r = await rpc<{ provider: string }>('providers.add_custom', { name, base_url: baseUrl, models, ...(key ? { api_key: key } : {}) });
  const id = `${r.provider}/${model}`;
  await rpc('providers.save_model', { model: id });
  return id;
}

export function ConnectModel({ available, onSaved }: { available: Available; onSaved: (model: string) => void }) {
  const [kind, setKind] = useState<Kind>('openai');
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [key, setKey] = useState('');
  const [test, setTest] = useState<Validation | null>(null);
  const [model, setModel] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const info = available.kinds.find((k) => k.kind === kind)!;
  const compatible = kind === 'openai-compatible';
  const reset = () => { setTest(null); setModel(''); setError(''); };

  const runTest = async () => {
    setBusy(true); reset();
    try {
      const r = await rpc<Validation>('providers.validate_key', compatible
        ? { base_url: baseUrl.trim(), ...(key ? { api_key: key } : {}) }
        : { provider: info.name, ...(key ? { api_key: key } : {}) });
      setTest(r);
      if (r.valid) setModel(r.models[0] ?? '');
    } catch (e) { setError(errorText(e)); } finally { setBusy(false); }
  };

  const save = async (e: Event) => {
    e.preventDefault();
    if (!test?.valid || !model) return;
    setBusy(true); setError('');
    try {
      let id = `${info.name}/${model}`;
      if (compatible) id = await saveCompatible(name.trim(), baseUrl.trim(), key, test.models, model);
      else {
        if (key) await rpc('providers.save_key', { provider: info.name, api_key: key });
        await rpc('providers.save_model', { model: id });
      }
      setKey('');
      onSaved(id);
    } catch (err) { setError(errorText(err)); } finally { setBusy(false); }
  };

  const useLocal = async (l: Available['local'][number]) => {
    setBusy(true); setError('');
    try { onSaved(await saveCompatible(l.id, l.baseUrl, '', l.models, l.models[0]!)); } catch (err) { setError(errorText(err)); } finally { setBusy(false); }
  };
  const found = available.local.filter((l) => l.running && l.models.length > 0);

  return (
    <div class="connect" data-testid="connect-model">
      {found.map((l) => (
        <div class="found row between wrap" key={l.id}>
          <span><strong>{l.label}</strong> is running on this machine ({l.models.length} model{l.models.length === 1 ? '' : 's'}: {l.models.slice(0, 3).join(', ')}{l.models.length > 3 ? '…' : ''})</span>
          <button type="button" class="primary" disabled={busy} onClick={() => void useLocal(l)}>Use {l.label}</button>
        </div>
      ))}
      <form onSubmit={(e) => void save(e)}>
        <fieldset>
          <legend>Provider</legend>
          {available.kinds.map((k) => (
            <label class="check" key={k.kind}><input type="radio" name="kind" checked={kind === k.kind} onChange={() => { setKind(k.kind); reset(); }} /> {k.label} <span class="muted small">— {k.hint}</span></label>
          ))}
        </fieldset>
        {compatible && <>
          <label>Name<input name="name" placeholder="ollama" value={name} onInput={(e) => { setName((e.target as HTMLInputElement).value); }} required /></label>
          <label>Base URL<input name="base_url" placeholder="http://127.0.0.1:11434/v1" value={baseUrl} onInput={(e) => { setBaseUrl((e.target as HTMLInputElement).value); reset(); }} required /></label>
          <p class="muted small">{available.note}</p>
        </>}
        <label>API key{compatible ? ' (if the server needs one)' : ''}
          <input type="password" name="api_key" autocomplete="off" placeholder={info.keyEnv ? `or leave empty to use ${info.keyEnv}` : 'optional'} value={key}
            onInput={(e) => { setKey((e.target as HTMLInputElement).value); reset(); }} />
        </label>
        <p class="muted small">The key is stored encrypted in the vault and never shown again.</p>
        <div class="row wrap">
          <button type="button" disabled={busy || (compatible && !baseUrl.trim())} onClick={() => void runTest()}>Test</button>
          {test?.valid && <span class="ok" data-testid="test-ok">Connected: {test.models.length} model{test.models.length === 1 ? '' : 's'} available.</span>}
        </div>
        {test && !test.valid && <p class="error" role="alert" data-testid="test-error">{test.error}</p>}
        {test?.valid && test.models.length > 0 && <>
          <label>Default model
            <select name="model" value={model} onChange={(e) => setModel((e.target as HTMLSelectElement).value)}>
              {test.models.map((m) => <option key={m} value={m}>{m}</option>)}
            </select>
          </label>
          <button type="submit" class="primary" disabled={busy || !model || (compatible && !name.trim())}>Save</button>
        </>}
        <ErrorLine text={error} />
      </form>
    </div>
  );
}
