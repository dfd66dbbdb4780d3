import { useEffect, useState } from 'react';
import { currentSession, login, logout, Session } from './api';
import { ErrorBox, Field } from './components';
import { AdminView } from './views/AdminView';
import { AnalystView } from './views/AnalystView';
import { OpsView } from './views/OpsView';
import { PartnerView } from './views/PartnerView';

type View = 'ops' | 'analyst' | 'partner' | 'admin';
const LABELS: Record<View, string> = { ops: 'Operations', analyst: 'Metrics', partner: 'My inbox', admin: 'Administration' };

/** The views a caller's role opens (the hub enforces the same on every call). */
export function viewsOf(s: Session): View[] {
  if (s.kind === 'partner') return ['partner', 'analyst'];
  if (s.role === 'admin') return ['ops', 'analyst', 'admin'];
  if (s.role === 'ops') return ['ops', 'analyst'];
  if (s.role === 'analyst') return ['analyst'];
  return [];
}

function Login({ onSession }: { onSession: (s: Session) => void }) {
  const [mode, setMode] = useState<'client' | 'key'>('client');
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      className="login"
      data-testid="login"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          onSession(await login(mode === 'key' ? { apiKey: secret } : { clientId, clientSecret: secret }));
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h1>pdp-hub</h1>
      <p className="muted">Prévention de la désinsertion professionnelle — the hub's console for operators, analysts, partners and admins.</p>
      <div className="modes">
        <label>
          <input type="radio" checked={mode === 'client'} onChange={() => setMode('client')} /> client id and secret
        </label>
        <label>
          <input type="radio" checked={mode === 'key'} onChange={() => setMode('key')} data-testid="mode-key" /> API key
        </label>
      </div>
      {mode === 'client' ? (
        <Field label="client id">
          <input value={clientId} onChange={(e) => setClientId(e.target.value)} autoComplete="username" data-testid="client-id" />
        </Field>
      ) : null}
      <Field label={mode === 'client' ? 'client secret' : 'API key'}>
        <input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="current-password" data-testid="secret" />
      </Field>
      <button type="submit" data-testid="sign-in">
        Sign in
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [view, setView] = useState<View | null>(null);
  useEffect(() => {
    void currentSession().then(setSession);
  }, []);
  useEffect(() => {
    const fromHash = () => {
      const v = window.location.hash.replace(/^#\//, '') as View;
      setView(v in LABELS ? v : null);
    };
    fromHash();
    window.addEventListener('hashchange', fromHash);
    return () => window.removeEventListener('hashchange', fromHash);
  }, []);
  if (session === undefined) return <p>loading…</p>;
  if (session === null) return <Login onSession={setSession} />;
  const views = viewsOf(session);
  const current = view && views.includes(view) ? view : views[0];
  return (
    <div className="app">
      <header className="top">
        <strong>pdp-hub</strong>
        <nav>
          {views.map((v) => (
            <a key={v} href={`#/${v}`} className={v === current ? 'active' : ''} data-testid={`nav-${v}`}>
              {LABELS[v]}
            </a>
          ))}
        </nav>
        <span className="who" data-testid="who">
          {session.kind === 'partner' ? `${session.partnerId} (${session.category})` : `${session.accountId} (${session.role})`}
        </span>
        <button
          onClick={() => {
            logout();
            setSession(null);
          }}
          data-testid="sign-out"
        >
          Sign out
        </button>
      </header>
      <main>
        {current === undefined ? <p>This account has no view in the console (sender software uses the API).</p> : null}
        {current === 'ops' ? <OpsView /> : null}
        {current === 'analyst' ? <AnalystView /> : null}
        {current === 'partner' ? <PartnerView session={session} /> : null}
        {current === 'admin' ? <AdminView /> : null}
      </main>
    </div>
  );
}
