// Test harness: starts the local platform and host as real processes on free ports, with a
// virtual clock and a fresh state folder, and offers the few calls every end-to-end test needs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchGenericHost, launchHost, launchPlatform, type HostProcess, type PlatformProcess } from '../../dev/launcher.js';
import { DevIssuer, type TokenClaims } from '../../dev/dev-issuer.js';
import { addIsoDuration } from '../../dev/host/iso-duration.js';
import { CosmosClient, type Container } from '@azure/cosmos';
import { KeyClient } from '@azure/keyvault-keys';
import { BlobServiceClient } from '@azure/storage-blob';
import { OpenApiConformance, type OpenApiDocument } from './openapi-conformance.js';

export interface SystemOptions {
  /** App modules to load instead of the product app (paths relative to the project root). */
  appModules?: string[];
  /** Start the Azure stand-ins (the product app needs them; host-only tests do not). */
  withPlatform?: boolean;
  /**
   * App settings on top of the embedded defaults. Unless `productionLimits` is set, fixture tokens
   * may live 400 days (they outlive the virtual months a test moves through; the lifetime cap is
   * tested on its own with the production default).
   */
  settings?: Record<string, string>;
  productionLimits?: boolean;
  /** Run `appModules` as another app on the generic host (dev/host/main.js), from this folder (host.json). */
  appRoot?: string;
  /** Cosmos DB and blob storage keep their data in the state folder too, so `killAndRestartAll` can bring the system back. */
  persist?: boolean;
}

/** Longer than any virtual span a test moves through (see builders.ts). */
const FIXTURE_SETTINGS = { AUTH_MAX_TOKEN_LIFETIME_MINUTES: String(400 * 24 * 60) };

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** An email as the dev outbox shows it (attachments by name, type, size and SHA-256). */
export interface OutboxEmail {
  id: string;
  to: string[];
  subject: string;
  text: string | null;
  html: string | null;
  sentAt: string;
  attachments?: { name: string; contentType: string; sizeBytes: number; sha256?: string }[];
}

export class LocalSystem {
  private constructor(
    readonly stateDir: string,
    private readonly options: SystemOptions,
    public host: HostProcess,
    public platform: PlatformProcess | undefined,
  ) {}

  static async start(options: SystemOptions = {}, stateDir = mkdtempSync(join(tmpdir(), 'privacy-ops-'))): Promise<LocalSystem> {
    const platform = options.withPlatform ? await launchPlatform({ stateDir, clock: 'virtual', persist: options.persist ?? false }) : undefined;
    try {
      const host = await LocalSystem.#launchHost(stateDir, options, platform);
      return new LocalSystem(stateDir, options, host, platform);
    } catch (error) {
      await platform?.stop();
      throw error;
    }
  }

  static #launchHost(stateDir: string, options: SystemOptions, platform: PlatformProcess | undefined): Promise<HostProcess> {
    if (options.appRoot) {
      return launchGenericHost({
        stateDir,
        clock: 'virtual',
        appRoot: options.appRoot,
        appModules: options.appModules ?? [],
        ...(process.env['ECHO_HOST_LOG'] ? { echo: true } : {}),
      });
    }
    return launchHost({
      stateDir,
      clock: 'virtual',
      ...(platform ? { platformFile: platform.addressesFile } : {}),
      ...(options.appModules ? { appModules: options.appModules } : {}),
      ...(process.env['ECHO_HOST_LOG'] ? { echo: true } : {}),
      env: { ...(options.productionLimits ? {} : FIXTURE_SETTINGS), ...options.settings },
    });
  }

  get url(): string {
    return this.host.url;
  }

  /** Kills the host process without warning (SIGKILL) and starts a new one on the same state. */
  async crashAndRestartHost(options: { downFor?: string } = {}): Promise<void> {
    await this.host.kill();
    if (options.downFor) {
      // Time passes while the host is down: the persisted virtual clock moves on before it starts again.
      const clockFile = join(this.stateDir, 'clock.json');
      const stopped = (JSON.parse(readFileSync(clockFile, 'utf8')) as { now: string }).now;
      writeFileSync(clockFile, JSON.stringify({ now: addIsoDuration(new Date(stopped), options.downFor).toISOString() }));
    }
    this.host = await LocalSystem.#launchHost(this.stateDir, this.options, this.platform);
  }

  /**
   * Kills the whole system without warning (SIGKILL to the platform and the host at once, as a power
   * cut or `kill -9` of the process group) and starts it again on the same state (`--keep-state`).
   */
  async killAndRestartAll(): Promise<void> {
    if (!this.platform || !this.options.persist) throw new Error('killAndRestartAll needs a platform started with persist: true');
    await Promise.all([this.host.kill(), this.platform.kill()]);
    for (const region of Object.keys(this.#cosmos) as ('uksouth' | 'eu')[]) {
      this.#cosmos[region]?.dispose();
      delete this.#cosmos[region];
    }
    this.platform = await launchPlatform({ stateDir: this.stateDir, clock: 'virtual', persist: true });
    this.host = await LocalSystem.#launchHost(this.stateDir, this.options, this.platform);
  }

  async stop(): Promise<void> {
    for (const client of Object.values(this.#cosmos)) client.dispose();
    await Promise.allSettled([this.host.stop(), this.platform?.stop()]);
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  async request<T = unknown>(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; token?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const raw = Buffer.from(await response.arrayBuffer());
    const text = raw.toString('utf8');
    let parsed: unknown = text;
    if (text !== '' && /json/.test(response.headers.get('content-type') ?? '')) parsed = JSON.parse(text);
    // A binary document (a PDF) is handed over as its bytes.
    if (/^application\/pdf/.test(response.headers.get('content-type') ?? '')) parsed = raw;
    await this.#checkAgainstDocument(method, path, { status: response.status, contentType: response.headers.get('content-type'), body: parsed });
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  /**
   * Every answer of an API route must be what the OpenAPI document says (status, content type,
   * body schema): a test that receives anything else fails with the difference.
   */
  async #checkAgainstDocument(method: string, path: string, answer: { status: number; contentType: string | null; body: unknown }): Promise<void> {
    if (!path.startsWith('/api/') || path.startsWith('/api/openapi.json')) return;
    this.#conformance ??= this.#loadDocument();
    const conformance = await this.#conformance;
    const problems = conformance?.problems(method, path, answer) ?? [];
    if (problems.length === 0) return;
    throw new Error(`The answer to ${method} ${path} departs from /api/openapi.json:\n  ${problems.slice(0, 10).join('\n  ')}`);
  }

  async #loadDocument(): Promise<OpenApiConformance | undefined> {
    const response = await fetch(`${this.url}/api/openapi.json`);
    // Apps other than the product (host tests) serve no document: nothing to check against.
    if (response.status !== 200) return undefined;
    return new OpenApiConformance((await response.json()) as OpenApiDocument);
  }

  #conformance: Promise<OpenApiConformance | undefined> | undefined;

  get<T = unknown>(path: string, token?: string): Promise<HttpResult<T>> {
    return this.request<T>('GET', path, token ? { token } : {});
  }

  post<T = unknown>(path: string, body?: unknown, token?: string): Promise<HttpResult<T>> {
    return this.request<T>('POST', path, { ...(body !== undefined ? { body } : {}), ...(token ? { token } : {}) });
  }

  async now(): Promise<Date> {
    return new Date((await this.get<{ now: string }>('/runtime/dev/clock')).body.now);
  }

  /** Moves the virtual clock; returns when every timer due on the way has fired and its work settled. */
  async advance(by: string): Promise<Date> {
    const result = await this.post<{ now: string }>('/runtime/dev/clock', { advanceBy: by });
    if (result.status !== 200) throw new Error(`clock move failed: ${JSON.stringify(result.body)}`);
    return new Date(result.body.now);
  }

  async advanceTo(instant: Date): Promise<Date> {
    const result = await this.post<{ now: string }>('/runtime/dev/clock', { to: instant.toISOString() });
    if (result.status !== 200) throw new Error(`clock move failed: ${JSON.stringify(result.body)}`);
    return new Date(result.body.now);
  }

  /** Waits until every piece of work the host has in flight has finished. */
  async settle(): Promise<void> {
    await this.post('/runtime/dev/settle');
  }

  /** A token valid at the host's (virtual) clock, signed with the dev issuer's current key. */
  async token(claims: TokenClaims, options: { lifetimeSeconds?: number; audience?: string; issuer?: string } = {}): Promise<string> {
    return (await DevIssuer.open(this.stateDir)).sign(claims, { now: await this.now(), ...options });
  }

  async outbox(): Promise<OutboxEmail[]> {
    return (await this.get<OutboxEmail[]>('/runtime/dev/outbox')).body;
  }

  /** A container of a region's Cosmos stand-in, reached directly (what an operator with data-plane access sees). */
  cosmosContainer(region: 'uksouth' | 'eu', name: string): Container {
    const account = this.platform?.addresses.cosmos[region];
    if (!account) throw new Error('this system runs without the platform');
    this.#cosmos[region] ??= new CosmosClient({ endpoint: account.endpoint, key: account.key, connectionPolicy: { enableEndpointDiscovery: false } });
    return this.#cosmos[region]!.database('privacy-ops').container(name);
  }

  /** Every document in a region's container, across all partitions. */
  async allDocuments(region: 'uksouth' | 'eu', name = 'tenant-data'): Promise<Record<string, unknown>[]> {
    const { resources } = await this.cosmosContainer(region, name).items.readAll<Record<string, unknown>>().fetchAll();
    return resources;
  }

  /** Calls a test control of the platform process (see dev/platform/main.ts). */
  async platformControl<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T | undefined> {
    if (!this.platform) throw new Error('this system runs without the platform');
    const response = await fetch(`${this.platform.addresses.controlUrl}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    if (!response.ok) throw new Error(`platform control ${method} ${path} answered ${response.status}`);
    return response.status === 204 ? undefined : ((await response.json()) as T);
  }

  /** Names of the blobs in a region's storage container (what an operator with data access sees). */
  async blobNames(region: 'uksouth' | 'eu', container: string): Promise<string[]> {
    const storage = this.platform?.addresses.storage[region];
    if (!storage) throw new Error('this system runs without the platform');
    const client = BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(container);
    if (!(await client.exists())) return [];
    const names: string[] = [];
    for await (const blob of client.listBlobsFlat()) names.push(blob.name);
    return names;
  }

  keyVault(region: 'uksouth' | 'eu'): KeyClient {
    const vault = this.platform?.addresses.keyVault[region];
    if (!vault) throw new Error('this system runs without the platform');
    const credential = { getToken: async () => ({ token: 'test', expiresOnTimestamp: Date.now() + 3600_000 }) };
    return new KeyClient(vault.url, credential, { disableChallengeResourceVerification: true, allowInsecureConnection: true });
  }

  readonly #cosmos: Partial<Record<'uksouth' | 'eu', CosmosClient>> = {};

  /** Orchestration status straight from the Durable management API. */
  async instance(
    instanceId: string,
    showHistory = false,
  ): Promise<{
    runtimeStatus: string;
    output: unknown;
    customStatus: unknown;
    historyEvents?: { EventType: string; FunctionName?: string; InstanceId?: string }[];
  }> {
    const result = await this.get<{ runtimeStatus: string; output: unknown; customStatus: unknown }>(
      `/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}${showHistory ? '?showHistory=true' : ''}`,
    );
    if (result.status === 404) throw new Error(`no instance ${instanceId}`);
    return result.body;
  }
}
