import type { EmbedConnector, EmbedConnectorAuth, EmbedFlow, EmbedFlowGroups, EmbedIntegration } from '@patchbay/shared';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Api, ApiError } from '../lib/api.ts';

/** Everything the home screen shows, loaded together. */
export interface PortalData {
  groups: EmbedFlowGroups['groups'];
  integrations: EmbedIntegration[];
  auths: EmbedConnectorAuth[];
  connectors: EmbedConnector[];
}

/** A load in progress, done or failed, with a way to load again. */
export interface DataState {
  data: PortalData | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): Promise<void>;
}

type Page<T> = { items: T[]; nextCursor: string | null };

/** Loads flows, integrations, connector auths and connectors; `reload()` refreshes them (keeping the old data meanwhile). */
export function usePortalData(api: Api): DataState {
  const [data, setData] = useState<PortalData>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      const [flows, integrations, auths, connectors] = await Promise.all([
        api.get<EmbedFlowGroups>('/flows'),
        api.get<Page<EmbedIntegration>>('/integrations?limit=200'),
        api.get<Page<EmbedConnectorAuth>>('/connector-auths?limit=200'),
        api.get<Page<EmbedConnector>>('/connectors'),
      ]);
      setData({ groups: flows.groups, integrations: integrations.items, auths: auths.items, connectors: connectors.items });
      setError(undefined);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setLoading(false);
    }
  }, [api]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload };
}

/** Every flow of every group, by id (a flow may sit in several groups). */
export function flowsById(data: PortalData): Map<string, EmbedFlow> {
  const map = new Map<string, EmbedFlow>();
  for (const group of data.groups) for (const flow of group.flows) map.set(flow.id, flow);
  return map;
}
