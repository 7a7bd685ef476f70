/** Tokens: list, create with permissions (the secret shown once), revoke. Needs admin on `*`. */
import { useState } from 'preact/hooks';
import { api, path, type CreatedToken, type Permission, type TokenInfo } from '../api';
import { formatTime } from '../format';
import { ConfirmDialog, ErrorNote, Field, Show, useAsync, type ConfirmRequest } from '../ui';

const ACTIONS = ['produce', 'consume', 'admin'] as const;

function PermissionRows({ rows, onChange }: { rows: Permission[]; onChange: (rows: Permission[]) => void }) {
  const set = (i: number, row: Permission) => onChange(rows.map((r, j) => (j === i ? row : r)));
  return (
    <fieldset class="permissions">
      <legend>Permissions</legend>
      {rows.map((row, i) => (
        <div class="permission-row" key={i}>
          <Field label={`Topics (pattern ${i + 1})`} hint="exact name, prefix*, or *">
            <input required value={row.topics} onInput={(e) => set(i, { ...row, topics: e.currentTarget.value })} />
          </Field>
          <div class="checks" role="group" aria-label={`Actions of pattern ${i + 1}`}>
            {ACTIONS.map((a) => (
              <label class="check" key={a}>
                <input
                  type="checkbox"
                  checked={row.actions.includes(a)}
                  onChange={(e) =>
                    set(i, { ...row, actions: e.currentTarget.checked ? [...row.actions, a] : row.actions.filter((x) => x !== a) })
                  }
                />{' '}
                {a}
              </label>
            ))}
          </div>
          {rows.length > 1 && (
            <button class="button small" type="button" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove pattern ${i + 1}`}>
              Remove
            </button>
          )}
        </div>
      ))}
      <button class="button small" type="button" onClick={() => onChange([...rows, { topics: '', actions: ['consume'] }])}>
        Add a pattern
      </button>
    </fieldset>
  );
}

function CreateToken({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [rows, setRows] = useState<Permission[]>([{ topics: '*', actions: ['consume'] }]);
  const [created, setCreated] = useState<CreatedToken | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [copied, setCopied] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setCreated(undefined);
    setCopied(false);
    try {
      setCreated(await api<CreatedToken>('POST', '/v1/tokens', { body: { name, permissions: rows } }));
      setName('');
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="card" aria-labelledby="new-token-title">
      <h2 id="new-token-title">Create a token</h2>
      <form class="stack" onSubmit={submit}>
        <Field label="Name">
          <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <PermissionRows rows={rows} onChange={setRows} />
        <div class="actions">
          <button class="button primary" type="submit">
            Create token
          </button>
        </div>
      </form>
      {error !== undefined && <ErrorNote error={error} what="token management (it needs admin on *)" />}
      {created && (
        <div class="note note-secret" role="status">
          <strong>Token {created.name} created. Copy the secret now: it is shown only once.</strong>
          <code class="secret" data-testid="new-secret">
            {created.token}
          </code>
          <button
            class="button small"
            type="button"
            onClick={() => navigator.clipboard?.writeText(created.token).then(() => setCopied(true), () => undefined)}
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
      )}
    </section>
  );
}

export function TokensView({ selfId }: { selfId: string | undefined }) {
  const state = useAsync(() => api<{ tokens: TokenInfo[] }>('GET', '/v1/tokens'), []);
  const [confirm, setConfirm] = useState<ConfirmRequest | undefined>(undefined);
  const revoke = (t: TokenInfo) =>
    setConfirm({
      title: `Revoke ${t.name}?`,
      body: (
        <p>
          Requests with this token are refused within 60 seconds.
          {t.id === selfId && <strong> This is the token you are signed in with.</strong>}
        </p>
      ),
      confirmLabel: 'Revoke',
      danger: true,
      onConfirm: async () => {
        await api('DELETE', path`/v1/tokens/${t.id}`);
        state.reload();
      },
    });
  return (
    <section aria-labelledby="tokens-title">
      <div class="page-head">
        <h1 id="tokens-title">Tokens</h1>
      </div>
      <CreateToken onCreated={state.reload} />
      <section class="card" aria-labelledby="token-list-title">
        <h2 id="token-list-title">Tokens</h2>
        <Show state={state} what="the tokens (it needs admin on *)">
          {({ tokens }) => (
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Id</th>
                    <th scope="col">Permissions</th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {tokens.map((t) => (
                    <tr key={t.id}>
                      <th scope="row">
                        {t.name}
                        {t.id === selfId && <span class="badge">you</span>}
                      </th>
                      <td>
                        <code>{t.id}</code>
                      </td>
                      <td>
                        <ul class="chips">
                          {t.permissions.map((p, i) => (
                            <li key={i} class="chip">
                              {p.topics}: <span class="chip-value">{p.actions.join(', ')}</span>
                            </li>
                          ))}
                        </ul>
                      </td>
                      <td class="nowrap">{formatTime(t.createdAt)}</td>
                      <td>
                        <button class="button small danger" type="button" onClick={() => revoke(t)} aria-label={`Revoke ${t.name}`}>
                          Revoke
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Show>
      </section>
      <ConfirmDialog request={confirm} onClose={() => setConfirm(undefined)} />
    </section>
  );
}
