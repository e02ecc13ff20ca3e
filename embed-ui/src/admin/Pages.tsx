import { lazyPage } from './components/Lazy.tsx';
import { matchRoute, useLocation } from './router.ts';
import { AdminUsers } from './views/AdminUsers.tsx';
import { ApiTokens } from './views/ApiTokens.tsx';
import { AuditLog } from './views/AuditLog.tsx';
import { ConnectorAuths } from './views/ConnectorAuths.tsx';
import { ConnectorCreate } from './views/ConnectorCreate.tsx';
import { ConnectorDetail } from './views/ConnectorDetail.tsx';
import { Connectors } from './views/Connectors.tsx';
import { EmbedConfigCreate } from './views/EmbedConfigCreate.tsx';
import { EmbedConfigDetail } from './views/EmbedConfigDetail.tsx';
import { EmbedConfigs } from './views/EmbedConfigs.tsx';
import { FlowCreate } from './views/FlowCreate.tsx';
import { FlowDetail } from './views/FlowDetail.tsx';
import { Flows } from './views/Flows.tsx';
import { IntegrationDetail } from './views/IntegrationDetail.tsx';
import { Integrations } from './views/Integrations.tsx';
import { NotFound } from './views/NotAvailable.tsx';
import { Overview } from './views/Overview.tsx';
import { Runs } from './views/Runs.tsx';

// Loaded on first use, outside the first view's budget (docs/admin-console.md).
const RunDetail = lazyPage(() => import('./views/RunDetail.tsx').then((m) => m.RunDetail));
const Callbacks = lazyPage(() => import('./views/Callbacks.tsx').then((m) => m.Callbacks));
const CallbackDetail = lazyPage(() => import('./views/CallbackDetail.tsx').then((m) => m.CallbackDetail));

/** The page the URL names; keyed by path so moving between two objects starts the page afresh. */
export function Pages() {
  const { pathname, search } = useLocation();
  const page = matchRoute(pathname);
  switch (page.name) {
    case 'overview':
      return <Overview key={pathname} />;
    case 'integrations':
      return <Integrations key={pathname} search={search} />;
    case 'integration':
      return <IntegrationDetail key={pathname} id={page.id} />;
    case 'connectorAuths':
      return <ConnectorAuths key={pathname} search={search} />;
    case 'runs':
      return <Runs key={pathname} search={search} />;
    case 'run':
      return <RunDetail key={pathname} id={page.id} />;
    case 'connectors':
      return <Connectors key={pathname} />;
    case 'connectorNew':
      return <ConnectorCreate key={pathname} search={search} />;
    case 'connector':
      return <ConnectorDetail key={pathname} id={page.id} />;
    case 'embedConfigs':
      return <EmbedConfigs key={pathname} />;
    case 'embedConfigNew':
      return <EmbedConfigCreate key={pathname} />;
    case 'embedConfig':
      return <EmbedConfigDetail key={pathname} id={page.id} />;
    case 'flows':
      return <Flows key={pathname} />;
    case 'flowNew':
      return <FlowCreate key={pathname} />;
    case 'flow':
      return <FlowDetail key={pathname} id={page.id} />;
    case 'callbacks':
      return <Callbacks key={pathname} search={search} />;
    case 'callbackDelivery':
      return <CallbackDetail key={pathname} id={page.id} />;
    case 'audit':
      return <AuditLog key={pathname} search={search} />;
    case 'adminUsers':
      return <AdminUsers key={pathname} />;
    case 'apiTokens':
      return <ApiTokens key={pathname} />;
    case 'notFound':
      return <NotFound key={pathname} />;
  }
}
