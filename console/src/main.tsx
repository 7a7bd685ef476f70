/** The console: sign in with a token, then topics, a topic's records, groups, dead letters and tokens. */
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, session, whenUnauthenticated, type WhoAmI } from './api';
import { ErrorNote, Field, parseHash } from './ui';
import { DeadLettersView } from './views/dead-letters';
import { GroupsView } from './views/groups';
import { TopicView } from './views/topic';
import { TopicsView } from './views/topics';
import { TokensView } from './views/tokens';

function SignIn({ onSignedIn, reason }: { onSignedIn: (me: WhoAmI) => void; reason: string | undefined }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const me = await api<WhoAmI>('GET', '/v1/whoami', { token: token.trim() });
      session.signIn(token.trim());
      onSignedIn(me);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? new Error('That token is not valid (unknown or revoked).') : err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <form class="card signin-card" onSubmit={submit}>
        <p class="brand brand-large" aria-hidden="true">
          <span class="brand-mark">≋</span> Tributary
        </p>
        <h1>Sign in</h1>
        <p class="muted">Paste an API token. It stays in this tab only (sessionStorage) and is never put in a URL.</p>
        {reason && (
          <p class="note note-missing" role="status">
            {reason}
          </p>
        )}
        <Field label="Token">
          <input type="password" autocomplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} placeholder="trb_…" />
        </Field>
        <button class="button primary wide" type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {error !== undefined && <ErrorNote error={error} />}
      </form>
    </main>
  );
}

const NAV = [
  ['topics', 'Topics'],
  ['groups', 'Groups'],
  ['dead-letters', 'Dead letters'],
  ['tokens', 'Tokens'],
] as const;

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Page({ hash, me }: { hash: string; me: WhoAmI }) {
  const { path, query } = parseHash(hash);
  const [section = 'topics', name] = path;
  const q = (k: string) => query.get(k) ?? undefined;
  if (section === 'topics' && name) return <TopicView key={name} name={name} />;
  if (section === 'groups') {
    const type = q('type');
    return <GroupsView topic={q('topic')} group={q('group')} type={type === 'share' || type === 'subscription' ? type : 'consumer'} />;
  }
  if (section === 'dead-letters') return <DeadLettersView key={hash} topic={q('topic')} group={q('group')} />;
  if (section === 'tokens') return <TokensView selfId={me.id} />;
  return <TopicsView />;
}

function App() {
  const [me, setMe] = useState<WhoAmI | undefined>(undefined);
  const [checking, setChecking] = useState(Boolean(session.token));
  const [reason, setReason] = useState<string | undefined>(undefined);
  const [startError, setStartError] = useState<unknown>(undefined);
  const hash = useHash();

  useEffect(() => {
    whenUnauthenticated(() => {
      session.signOut();
      setMe(undefined);
      setReason('Your token is no longer accepted (revoked or unknown). Sign in again.');
    });
    if (!session.token) return;
    api<WhoAmI>('GET', '/v1/whoami')
      .then(setMe, (e: unknown) => {
        if (!(e instanceof ApiError && e.status === 401)) setStartError(e);
      })
      .finally(() => setChecking(false));
  }, []);

  // After a navigation (not on the first page load), focus goes to the new page's content.
  const navigated = useRef(false);
  useEffect(() => {
    document.title = me ? `${parseHash(hash).path.join(' / ') || 'Topics'} · Tributary` : 'Tributary console';
    if (navigated.current) document.getElementById('main')?.focus({ preventScroll: true });
    navigated.current = Boolean(me);
  }, [hash, me]);

  if (checking) return <p class="loading">Loading…</p>;
  if (!me) {
    return (
      <>
        {startError !== undefined && <ErrorNote error={startError} />}
        <SignIn onSignedIn={(m) => { setReason(undefined); setMe(m); }} reason={reason} />
      </>
    );
  }
  const section = parseHash(hash).path[0] ?? 'topics';
  return (
    <>
      <a class="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="#/topics">
          <span class="brand-mark" aria-hidden="true">≋</span> Tributary
        </a>
        <nav aria-label="Main">
          <ul class="nav">
            {NAV.map(([id, label]) => (
              <li key={id}>
                <a href={`#/${id}`} aria-current={section === id ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class="muted" title={me.permissions.map((p) => `${p.topics}: ${p.actions.join(', ')}`).join('\n')}>
            {me.name}
          </span>
          <button
            class="button small"
            type="button"
            onClick={() => {
              session.signOut();
              setMe(undefined);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1} class="content">
        <Page hash={hash} me={me} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
