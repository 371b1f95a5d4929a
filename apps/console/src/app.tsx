import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation, useNavigate, useParams } from 'react-router';
import { api, ApiError, call, type Schemas } from './api';
import { clearToken, getToken, setToken } from './session';
import { AppsPage } from './pages/apps/apps';
import { TokensPage } from './pages/apps/tokens';
import { EventTypesPage } from './pages/event-types/event-types';
import { EndpointsPage } from './pages/endpoints/endpoints';
import { EndpointFormPage } from './pages/endpoints/endpoint-form';
import { EndpointPage } from './pages/endpoints/endpoint';
import { DeliveriesPage } from './pages/deliveries/deliveries';
import { DeliveryPage } from './pages/deliveries/delivery';
import { EventsPage } from './pages/events/events';
import { EventPage } from './pages/events/event';
import { ChartsPage } from './pages/charts/charts';
import { LivePage } from './pages/live/live';
import { SignInPage } from './pages/sign-in';

type Session = Schemas['Session'];
const SessionContext = createContext<Session | null>(null);

/** Who is signed in (admin, app token or portal session). */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

export function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route path="/portal" element={<PortalEntry />} />
      <Route path="*" element={<SignedIn />} />
    </Routes>
  );
}

/** Opens a portal link: the token comes in the fragment, is kept in sessionStorage and leaves the address bar at once. */
function PortalEntry() {
  const navigate = useNavigate();
  const queries = useQueryClient();
  useEffect(() => {
    const token = new URLSearchParams(location.hash.slice(1)).get('token');
    history.replaceState(null, '', location.pathname);
    if (token) {
      setToken(token);
      queries.clear();
    }
    void navigate('/', { replace: true });
  }, [navigate, queries]);
  return <p aria-busy="true">Opening the portal…</p>;
}

function SignedIn() {
  const token = getToken();
  const session = useQuery({ queryKey: ['session', token], queryFn: () => call(api.GET('/v1/session')), enabled: Boolean(token) });
  if (!token) return <Navigate to="/sign-in" replace />;
  if (session.error) {
    const expired = session.error instanceof ApiError && session.error.status === 401;
    if (expired) clearToken();
    return (
      <Navigate to="/sign-in" replace state={{ message: expired ? 'That token is not valid (or has expired).' : session.error.message }} />
    );
  }
  if (!session.data) return <p aria-busy="true">Signing in…</p>;
  return (
    <SessionContext.Provider value={session.data}>
      <Layout>
        <Routes>
          <Route path="/" element={<Navigate to={session.data.appId ? `/apps/${session.data.appId}/endpoints` : '/apps'} replace />} />
          <Route
            path="/apps"
            element={
              <AdminOnly>
                <AppsPage />
              </AdminOnly>
            }
          />
          <Route
            path="/event-types"
            element={
              <AdminOnly>
                <EventTypesPage />
              </AdminOnly>
            }
          />
          <Route
            path="/apps/:appId/tokens"
            element={
              <AdminOnly>
                <TokensPage />
              </AdminOnly>
            }
          />
          <Route path="/apps/:appId/endpoints" element={<EndpointsPage />} />
          <Route path="/apps/:appId/endpoints/new" element={<EndpointFormPage />} />
          <Route path="/apps/:appId/endpoints/:endpointId" element={<EndpointPage />} />
          <Route path="/apps/:appId/endpoints/:endpointId/edit" element={<EndpointFormPage />} />
          <Route path="/apps/:appId/deliveries" element={<DeliveriesPage />} />
          <Route path="/apps/:appId/deliveries/:deliveryId" element={<DeliveryPage />} />
          <Route path="/apps/:appId/events" element={<EventsPage />} />
          <Route path="/apps/:appId/events/:eventId" element={<EventPage />} />
          <Route path="/apps/:appId/charts" element={<ChartsPage />} />
          <Route path="/apps/:appId/live" element={<LivePage />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Layout>
    </SessionContext.Provider>
  );
}

function AdminOnly({ children }: { children: ReactNode }) {
  const session = useSession();
  return session.kind === 'admin' ? <>{children}</> : <NotFound />;
}

function NotFound() {
  return (
    <div className="notice" role="alert">
      <h2>Not found</h2>
      <p>There is no such page here.</p>
    </div>
  );
}

function Layout({ children }: { children: ReactNode }) {
  const session = useSession();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const location = useLocation();
  const appId = /^\/apps\/([^/]+)/.exec(location.pathname)?.[1] ?? session.appId ?? undefined;
  const signOut = () => {
    clearToken();
    queries.clear();
    void navigate('/sign-in', { replace: true });
  };
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Herald</span>
        <nav aria-label="Main">
          {session.kind === 'admin' && (
            <>
              <NavLink to="/apps" end>
                Apps
              </NavLink>
              <NavLink to="/event-types">Event types</NavLink>
            </>
          )}
          {appId && <AppNav appId={appId} />}
        </nav>
        <span className="who">
          {session.kind === 'admin' ? 'Operator' : session.portal ? 'Portal' : 'App token'}
          {session.readOnly ? ' (read-only)' : ''}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main">{children}</main>
    </>
  );
}

function AppNav({ appId }: { appId: string }) {
  const app = useQuery({ queryKey: ['app', appId], queryFn: () => call(api.GET('/v1/apps/{appId}', { params: { path: { appId } } })) });
  const base = `/apps/${appId}`;
  return (
    <>
      <span className="app-name" aria-label="App">
        {app.data?.name ?? appId}
      </span>
      <NavLink to={`${base}/endpoints`}>Endpoints</NavLink>
      <NavLink to={`${base}/deliveries`}>Deliveries</NavLink>
      <NavLink to={`${base}/events`}>Events</NavLink>
      <NavLink to={`${base}/charts`}>Charts</NavLink>
      <NavLink to={`${base}/live`}>Live</NavLink>
    </>
  );
}

/** The `:appId` of the current route. */
export function useAppId(): string {
  const { appId } = useParams();
  return appId ?? '';
}

/** Whether this session may change things (false for a read-only portal session). */
export function useCanWrite(): boolean {
  return !useSession().readOnly;
}
