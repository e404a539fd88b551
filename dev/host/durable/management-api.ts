// The Durable HTTP management API, in both forms the real host serves: the RPC endpoint the
// `durable-functions` client calls (`rpcBaseUrl`: `orchestrators/{name}[/{id}]`, `instances/...`)
// and the public webhooks under `/runtime/webhooks/durabletask/` (the status URLs of
// `createCheckStatusResponse`). Status codes, headers and paging follow the extension's
// HttpApiHandler (azure-functions-durable-extension, src/WebJobs.Extensions.DurableTask/HttpApiHandler.cs).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DurableEngine, InstanceExistsError, StartRefusedError } from './engine.js';
import { eventTypeName } from './history.js';
import { TERMINAL_STATUSES, type InstanceRecord, type RuntimeStatus } from './task-hub-store.js';
import { notImplementedMessage } from '../not-implemented.js';
import { json } from '../http/json-response.js';

export const RPC_PATH = '/durabletask/';
export const WEBHOOK_PATH = '/runtime/webhooks/durabletask/';

/** OrchestrationStatusQueryCondition.PageSize's default. */
const DEFAULT_PAGE_SIZE = 100;
/** Retry-After the extension sends with a 202 status (5 s) and with a new instance's check-status response (10 s). */
const STATUS_RETRY_AFTER_SECONDS = 5;
const CREATED_RETRY_AFTER_SECONDS = 10;

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

    if (resource === 'orchestrators') {
      if (method !== 'POST' || !id) return notFound(res);
      return this.#start(res, url, id, action, body);
    }
    if (resource === 'entities') return errorResponse(res, 501, notImplementedMessage('entities'));
    if (resource !== 'instances') return notFound(res);
    if (!id) {
      if (method === 'GET') return this.#list(req, res, url);
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
    switch (action.toLowerCase()) {
      case 'raiseevent':
        return this.#raiseEvent(req, res, id, eventName ?? '', body);
      case 'terminate':
        return outcomeResponse(res, this.engine.terminate(id, reason));
      case 'suspend':
        return outcomeResponse(res, this.engine.suspend(id, reason));
      case 'resume':
        return outcomeResponse(res, this.engine.resume(id, reason));
      case 'restart':
        return this.#restart(res, url, id);
      case 'rewind':
        if (!this.engine.store.get(id)) return notFound(res);
        // A bare JSON string: the client turns a 501's body into the error message as it is.
        return json(res, 501, notImplementedMessage('rewind'));
      default:
        return notFound(res);
    }
  }

  async #start(res: ServerResponse, url: URL, name: string, instanceId: string | undefined, body: Buffer): Promise<boolean> {
    const text = body.toString('utf8').trim();
    if (text !== '' && !isJson(text)) return errorResponse(res, 400, 'Invalid JSON content');
    return this.#created(res, url, () => this.engine.startNew(name, instanceId, text === '' ? null : text));
  }

  async #restart(res: ServerResponse, url: URL, instanceId: string): Promise<boolean> {
    const withNewId = url.searchParams.get('restartWithNewInstanceId')?.toLowerCase() !== 'false';
    if (!this.engine.store.get(instanceId)) return errorResponse(res, 400, 'InstanceId does not match a valid orchestration instance.');
    return this.#created(res, url, () => this.engine.restart(instanceId, withNewId));
  }

  /** Starts an instance and answers like the extension: the check-status response, or the result when `timeout` and `pollingInterval` ask to wait. */
  async #created(res: ServerResponse, url: URL, create: () => InstanceRecord): Promise<boolean> {
    let record: InstanceRecord;
    try {
      record = create();
    } catch (error) {
      if (error instanceof StartRefusedError) return errorResponse(res, 400, 'One or more of the arguments submitted is incorrect', error.message);
      // OrchestrationAlreadyExistsException is not an ArgumentException: the handler's catch-all answers 500.
      if (error instanceof InstanceExistsError) return errorResponse(res, 500, 'Something went wrong while processing your request', error.message);
      throw error;
    }
    const timeout = seconds(url.searchParams.get('timeout'));
    const interval = seconds(url.searchParams.get('pollingInterval'));
    if (timeout === undefined || interval === undefined) return this.#checkStatusResponse(res, record.instanceId);
    if (interval > timeout) {
      return errorResponse(
        res,
        400,
        'One or more of the arguments submitted is incorrect',
        `Total timeout ${timeout} should be bigger than retry timeout ${interval}`,
      );
    }
    const done = await this.engine.waitForFinish(record.instanceId, timeout);
    if (done?.runtimeStatus === 'Completed') return rawJson(res, 200, done.output ?? 'null');
    if (done) return this.#status(res, url, done.instanceId);
    return this.#checkStatusResponse(res, record.instanceId);
  }

  #checkStatusResponse(res: ServerResponse, instanceId: string): boolean {
    const links = managementLinks(this.origin(), this.engine.taskHubName, instanceId);
    const body = {
      id: instanceId,
      statusQueryGetUri: links['statusQueryGetUri'],
      sendEventPostUri: links['sendEventPostUri'],
      terminatePostUri: links['terminatePostUri'],
      purgeHistoryDeleteUri: links['purgeHistoryDeleteUri'],
      restartPostUri: links['restartPostUri'],
      suspendPostUri: links['suspendPostUri'],
      resumePostUri: links['resumePostUri'],
    };
    res.setHeader('location', links['statusQueryGetUri'] ?? '');
    res.setHeader('retry-after', String(CREATED_RETRY_AFTER_SECONDS));
    return json(res, 202, body);
  }

  #raiseEvent(req: IncomingMessage, res: ServerResponse, instanceId: string, eventName: string, body: Buffer): boolean {
    const record = this.engine.store.get(instanceId);
    if (!record) return notFound(res);
    if (TERMINAL_STATUSES.has(record.runtimeStatus)) return gone(res);
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (mediaType !== 'application/json') return errorResponse(res, 400, 'Only application/json request content is supported');
    const text = body.toString('utf8');
    if (!isJson(text)) return errorResponse(res, 400, 'Invalid JSON content');
    return outcomeResponse(res, this.engine.raiseEvent(instanceId, eventName, text));
  }

  #status(res: ServerResponse, url: URL, instanceId: string): boolean {
    const record = this.engine.store.get(instanceId);
    if (!record) return notFound(res);
    const status = toStatus(record, {
      showHistory: url.searchParams.get('showHistory')?.toLowerCase() === 'true',
      showInput: url.searchParams.get('showInput')?.toLowerCase() !== 'false',
    });
    const serverErrorOnFailure = url.searchParams.get('returnInternalServerErrorOnFailure')?.toLowerCase() === 'true';
    if (!TERMINAL_STATUSES.has(record.runtimeStatus)) {
      // Still running: 202 pointing back at the request, with a polling hint.
      res.setHeader('location', url.toString());
      res.setHeader('retry-after', String(STATUS_RETRY_AFTER_SECONDS));
      return json(res, 202, status);
    }
    return json(res, record.runtimeStatus === 'Failed' && serverErrorOnFailure ? 500 : 200, status);
  }

  /** One page of instances; the next page is asked for with the `x-ms-continuation-token` header, as the client does. */
  #list(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const top = Number.parseInt(url.searchParams.get('top') ?? '', 10);
    const pageSize = Number.isInteger(top) && top > 0 ? top : DEFAULT_PAGE_SIZE;
    const after = decodeContinuation(req.headers['x-ms-continuation-token']);
    const matches = this.#filter(url, { statuses: 'any' });
    const start = after ? matches.findIndex((r) => compareRecords(r, after) > 0) : 0;
    const page = start < 0 ? [] : matches.slice(start, start + pageSize);
    const last = page.at(-1);
    if (last && start + pageSize < matches.length) res.setHeader('x-ms-continuation-token', encodeContinuation(last));
    const showInput = url.searchParams.get('showInput')?.toLowerCase() !== 'false';
    return json(res, 200, page.map((r) => toStatus(r, { showHistory: false, showInput })));
  }

  #purge(res: ServerResponse, instanceId: string): boolean {
    const outcome = this.engine.purge(instanceId);
    if (outcome === 'not-found') return notFound(res);
    return json(res, 200, { instancesDeleted: 1 });
  }

  /**
   * Purge by filter, as the Azure Storage provider does it: `createdTimeFrom` is required; of the
   * statuses given only the finished ones count, and with none left every instance created in the
   * range is purged, whatever its status (AzureTableTrackingStore.PurgeInstanceHistoryAsync).
   */
  #purgeMany(res: ServerResponse, url: URL): boolean {
    if (!parseInstant(url.searchParams.get('createdTimeFrom'))) {
      return json(res, 400, "Please provide value for 'createdTimeFrom' parameter.");
    }
    let deleted = 0;
    for (const record of this.#filter(url, { statuses: 'finished-only', createdTimeToDefault: this.engine.now() })) {
      if (this.engine.purge(record.instanceId) === 'purged') deleted++;
    }
    if (deleted === 0) return notFound(res);
    return json(res, 200, { instancesDeleted: deleted });
  }

  #filter(url: URL, options: { statuses: 'any' | 'finished-only'; createdTimeToDefault?: Date }): InstanceRecord[] {
    let statuses = parseStatuses(url.searchParams.getAll('runtimeStatus'));
    if (statuses && options.statuses === 'finished-only') statuses = statuses.filter((s) => TERMINAL_STATUSES.has(s));
    if (statuses?.length === 0) statuses = undefined;
    const from = parseInstant(url.searchParams.get('createdTimeFrom'));
    const to = parseInstant(url.searchParams.get('createdTimeTo')) ?? options.createdTimeToDefault;
    const prefix = url.searchParams.get('instanceIdPrefix');
    return this.engine.store
      .all()
      .filter((r) => !statuses || statuses.includes(r.runtimeStatus))
      .filter((r) => !from || Date.parse(r.createdTime) >= from.getTime())
      .filter((r) => !to || Date.parse(r.createdTime) <= to.getTime())
      .filter((r) => !prefix || r.instanceId.startsWith(prefix))
      .sort(compareRecords);
  }
}

export function managementLinks(origin: string, taskHubName: string, instanceId: string): Record<string, string> {
  const links = clientBindingData(origin, taskHubName).managementUrls;
  return Object.fromEntries(
    Object.entries(links).map(([k, v]) => [k, k === 'id' ? instanceId : v.replace('INSTANCEID', encodeURIComponent(instanceId))]),
  );
}

const RUNTIME_STATUSES: readonly RuntimeStatus[] = ['Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Failed', 'Terminated', 'Suspended'];

/** Comma-separated and repeated values; unknown names are ignored (Enum.TryParse). */
function parseStatuses(values: string[]): RuntimeStatus[] | undefined {
  const parsed = values.flatMap((v) => v.split(',')).filter((v): v is RuntimeStatus => (RUNTIME_STATUSES as readonly string[]).includes(v));
  return parsed.length > 0 ? parsed : undefined;
}

function parseInstant(value: string | null): Date | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function seconds(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function compareRecords(a: Pick<InstanceRecord, 'createdTime' | 'instanceId'>, b: Pick<InstanceRecord, 'createdTime' | 'instanceId'>): number {
  return a.createdTime.localeCompare(b.createdTime) || a.instanceId.localeCompare(b.instanceId);
}

/** An opaque token naming the last instance of the page, so pages stay stable while instances come and go. */
function encodeContinuation(last: InstanceRecord): string {
  return Buffer.from(JSON.stringify([last.createdTime, last.instanceId])).toString('base64url');
}

function decodeContinuation(header: string | string[] | undefined): Pick<InstanceRecord, 'createdTime' | 'instanceId'> | undefined {
  const token = Array.isArray(header) ? header[0] : header;
  if (!token) return undefined;
  try {
    const [createdTime, instanceId] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [string, string];
    return typeof createdTime === 'string' && typeof instanceId === 'string' ? { createdTime, instanceId } : undefined;
  } catch {
    return undefined;
  }
}

/** Instants as the extension writes them: `ToString("s") + "Z"`, whole seconds. */
function wholeSeconds(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19)}Z`;
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
    createdTime: wholeSeconds(record.createdTime),
    lastUpdatedTime: wholeSeconds(record.lastUpdatedTime),
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
              ...(e.InstanceId ? { InstanceId: e.InstanceId } : {}),
              ...(e.Reason ? { Reason: e.Reason } : {}),
            })),
        }
      : {}),
  };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function outcomeResponse(res: ServerResponse, outcome: 'accepted' | 'gone' | 'not-found'): boolean {
  if (outcome === 'not-found') return notFound(res);
  if (outcome === 'gone') return gone(res);
  res.writeHead(202).end();
  return true;
}

function notFound(res: ServerResponse): boolean {
  res.writeHead(404).end();
  return true;
}

function gone(res: ServerResponse): boolean {
  res.writeHead(410).end();
  return true;
}

/** ASP.NET's CreateErrorResponse body: `Message`, and the exception's message when there is one. */
function errorResponse(res: ServerResponse, status: number, message: string, exceptionMessage?: string): boolean {
  return json(res, status, { Message: message, ...(exceptionMessage ? { ExceptionMessage: exceptionMessage } : {}) });
}

function rawJson(res: ServerResponse, status: number, text: string): boolean {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(text);
  return true;
}
