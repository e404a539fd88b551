// The Durable HTTP management API, in both forms the real host serves: the RPC endpoint the
// `durable-functions` client calls (`rpcBaseUrl`: `orchestrators/{name}[/{id}]`, `instances/...`)
// and the public webhooks under `/runtime/webhooks/durabletask/` (the status URLs of
// `createCheckStatusResponse`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DurableEngine, InstanceExistsError } from './engine.js';
import { eventTypeName } from './history.js';
import { TERMINAL_STATUSES, type InstanceRecord, type RuntimeStatus } from './task-hub-store.js';

export const RPC_PATH = '/durabletask/';
export const WEBHOOK_PATH = '/runtime/webhooks/durabletask/';

export interface ClientBindingData {
  taskHubName: string;
  creationUrls: Record<string, string>;
  managementUrls: Record<string, string>;
  baseUrl: string;
  requiredQueryStringParameters: string;
  rpcBaseUrl: string;
  httpBaseUrl: string;
  grpcHttpClientTimeout: string;
}

/** The value the extension gives a `durableClient` input binding. */
export function clientBindingData(origin: string, taskHubName: string): ClientBindingData {
  const base = `${origin}/runtime/webhooks/durabletask`;
  const query = `taskHub=${taskHubName}&connection=Storage`;
  const instance = `${base}/instances/INSTANCEID`;
  return {
    taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}`,
    },
    managementUrls: {
      id: 'INSTANCEID',
      statusQueryGetUri: `${instance}?${query}`,
      sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
      terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
      rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
      purgeHistoryDeleteUri: `${instance}?${query}`,
      restartPostUri: `${instance}/restart?${query}`,
      suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
      resumePostUri: `${instance}/resume?reason={text}&${query}`,
    },
    baseUrl: base,
    requiredQueryStringParameters: '',
    rpcBaseUrl: `${origin}${RPC_PATH}`,
    httpBaseUrl: '',
    grpcHttpClientTimeout: '00:01:40',
  };
}

export class ManagementApi {
  constructor(
    private readonly engine: DurableEngine,
    private readonly origin: () => string,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<boolean> {
    const base = [RPC_PATH, WEBHOOK_PATH].find((p) => url.pathname.startsWith(p));
    if (!base) return false;
    const parts = url.pathname.slice(base.length).split('/').filter((p) => p !== '').map(decodeURIComponent);
    const method = (req.method ?? 'GET').toUpperCase();
    const [resource, id, action, eventName] = parts;

    if (resource === 'orchestrators' && method === 'POST' && id) {
      return this.#start(res, id, action, body);
    }
    if (resource !== 'instances') return notFound(res);
    if (!id) {
      if (method === 'GET') return this.#list(res, url);
      if (method === 'DELETE') return this.#purgeMany(res, url);
      return notFound(res);
    }
    if (!action) {
      if (method === 'GET') return this.#status(res, url, id);
      if (method === 'DELETE') return this.#purge(res, id);
      return notFound(res);
    }
    if (method !== 'POST') return notFound(res);
    const reason = url.searchParams.get('reason') ?? '';
    switch (action) {
      case 'raiseEvent': {
        const outcome = this.engine.raiseEvent(id, eventName ?? '', body.length > 0 ? body.toString('utf8') : null);
        return outcomeResponse(res, outcome, id);
      }
      case 'terminate':
        return outcomeResponse(res, this.engine.terminate(id, reason), id);
      case 'suspend':
        return outcomeResponse(res, this.engine.suspend(id, reason), id);
      case 'resume':
        return outcomeResponse(res, this.engine.resume(id, reason), id);
      default:
        return json(res, 501, { message: `The local host does not implement "${action}".` });
    }
  }

  #start(res: ServerResponse, name: string, instanceId: string | undefined, body: Buffer): boolean {
    const text = body.toString('utf8').trim();
    if (text !== '') {
      try {
        JSON.parse(text);
      } catch {
        return json(res, 400, { message: 'The orchestration input must be JSON.' });
      }
    }
    try {
      const record = this.engine.startNew(name, instanceId, text === '' ? null : text);
      const links = managementLinks(this.origin(), this.engine.taskHubName, record.instanceId);
      res.setHeader('location', links['statusQueryGetUri'] ?? '');
      return json(res, 202, links);
    } catch (error) {
      if (error instanceof InstanceExistsError) return json(res, 409, { message: error.message });
      throw error;
    }
  }

  #status(res: ServerResponse, url: URL, instanceId: string): boolean {
    const record = this.engine.store.get(instanceId);
    if (!record) return json(res, 404, { message: `No instance with ID '${instanceId}' found.` });
    const status = toStatus(record, {
      showHistory: url.searchParams.get('showHistory') === 'true',
      showInput: url.searchParams.get('showInput') !== 'false',
    });
    const code = record.runtimeStatus === 'Completed' ? 200 : record.runtimeStatus === 'Failed' || record.runtimeStatus === 'Terminated' ? 400 : 202;
    if (code === 202) res.setHeader('location', managementLinks(this.origin(), this.engine.taskHubName, instanceId)['statusQueryGetUri'] ?? '');
    return json(res, code, status);
  }

  #list(res: ServerResponse, url: URL): boolean {
    const matches = this.#filter(url);
    const top = Number(url.searchParams.get('top') ?? '100') || 100;
    const offset = Number(url.searchParams.get('continuationToken') ?? '') || 0;
    const page = matches.slice(offset, offset + top);
    if (offset + top < matches.length) res.setHeader('x-ms-continuation-token', String(offset + top));
    return json(res, 200, page.map((r) => toStatus(r, { showHistory: false, showInput: url.searchParams.get('showInput') !== 'false' })));
  }

  #purge(res: ServerResponse, instanceId: string): boolean {
    const outcome = this.engine.purge(instanceId);
    if (outcome === 'not-found') return json(res, 404, { message: `No instance with ID '${instanceId}' found.` });
    if (outcome === 'running') return json(res, 400, { message: `Instance '${instanceId}' has not finished and cannot be purged.` });
    return json(res, 200, { instancesDeleted: 1 });
  }

  #purgeMany(res: ServerResponse, url: URL): boolean {
    let deleted = 0;
    for (const record of this.#filter(url)) if (this.engine.purge(record.instanceId) === 'purged') deleted++;
    return json(res, deleted > 0 ? 200 : 404, { instancesDeleted: deleted });
  }

  #filter(url: URL): InstanceRecord[] {
    const statuses = url.searchParams.get('runtimeStatus')?.split(',').filter((s) => s !== '') as RuntimeStatus[] | undefined;
    const from = url.searchParams.get('createdTimeFrom');
    const to = url.searchParams.get('createdTimeTo');
    const prefix = url.searchParams.get('instanceIdPrefix');
    return this.engine.store
      .all()
      .filter((r) => !statuses || statuses.includes(r.runtimeStatus))
      .filter((r) => !from || r.createdTime >= new Date(from).toISOString())
      .filter((r) => !to || r.createdTime <= new Date(to).toISOString())
      .filter((r) => !prefix || r.instanceId.startsWith(prefix))
      .sort((a, b) => a.createdTime.localeCompare(b.createdTime) || a.instanceId.localeCompare(b.instanceId));
  }
}

export function managementLinks(origin: string, taskHubName: string, instanceId: string): Record<string, string> {
  const links = clientBindingData(origin, taskHubName).managementUrls;
  return Object.fromEntries(Object.entries(links).map(([k, v]) => [k, v.replace('INSTANCEID', encodeURIComponent(instanceId))]));
}

function toStatus(record: InstanceRecord, options: { showHistory: boolean; showInput: boolean }): Record<string, unknown> {
  const parse = (text: string | null): unknown => (text === null ? null : (JSON.parse(text) as unknown));
  return {
    name: record.name,
    instanceId: record.instanceId,
    runtimeStatus: record.runtimeStatus,
    input: options.showInput ? parse(record.input) : null,
    customStatus: parse(record.customStatus),
    output: TERMINAL_STATUSES.has(record.runtimeStatus) ? parse(record.output) : null,
    createdTime: record.createdTime,
    lastUpdatedTime: record.lastUpdatedTime,
    ...(options.showHistory ? { largestHistoryEvents: record.largestHistory ?? 0 } : {}),
    ...(options.showHistory
      ? {
          historyEvents: record.history
            .filter((e) => e.EventType !== 12 && e.EventType !== 13)
            .map((e) => ({
              EventType: eventTypeName(e.EventType),
              Timestamp: e.Timestamp,
              ...(e.Name ? { FunctionName: e.Name } : {}),
              ...(e.EventId >= 0 ? { EventId: e.EventId } : {}),
              ...(e.TaskScheduledId !== undefined ? { TaskScheduledId: e.TaskScheduledId } : {}),
              ...(e.TimerId !== undefined ? { TimerId: e.TimerId } : {}),
              ...(e.FireAt ? { FireAt: e.FireAt } : {}),
              ...(e.Reason ? { Reason: e.Reason } : {}),
            })),
        }
      : {}),
  };
}

function outcomeResponse(res: ServerResponse, outcome: 'accepted' | 'gone' | 'not-found', id: string): boolean {
  if (outcome === 'not-found') return json(res, 404, { message: `No instance with ID '${id}' found.` });
  if (outcome === 'gone') return json(res, 410, { message: `Instance '${id}' has already finished.` });
  res.writeHead(202).end();
  return true;
}

function notFound(res: ServerResponse): boolean {
  res.writeHead(404).end();
  return true;
}

function json(res: ServerResponse, status: number, body: unknown): boolean {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  return true;
}
