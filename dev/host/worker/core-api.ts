// Plays the Node worker's `@azure/functions-core` module: the object the programming model
// registers functions and hooks with. The real worker supplies it by intercepting `require`;
// so do we, and it must happen before the app (and `@azure/functions`) is first loaded.
import Module from 'node:module';
import type { FunctionCallback, FunctionMetadata, HookCallback, ProgrammingModel, RpcLogLevel } from './rpc-types.js';

export interface RegisteredFunction {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

class Disposable {
  #dispose: (() => void) | undefined;
  constructor(dispose: () => void) {
    this.#dispose = dispose;
  }
  static from(...items: { dispose(): void }[]): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
  dispose(): void {
    this.#dispose?.();
    this.#dispose = undefined;
  }
}

export type WorkerLogSink = (level: RpcLogLevel, category: 'user' | 'system', message: string) => void;

export class CoreApi {
  readonly version = '3.10.1';
  readonly hostVersion = '4.1037.0';
  readonly Disposable = Disposable;
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks = new Map<string, HookCallback[]>();
  #programmingModel: ProgrammingModel | undefined;
  #indexingLocked = false;
  #logSink: WorkerLogSink;

  constructor(logSink: WorkerLogSink) {
    this.#logSink = logSink;
  }

  setProgrammingModel(model: ProgrammingModel): void {
    this.#programmingModel = model;
  }

  getProgrammingModel(): ProgrammingModel {
    if (!this.#programmingModel) throw new Error('No programming model was set: did the app import @azure/functions?');
    return this.#programmingModel;
  }

  /** As the worker does once it has indexed the app: from then on registering a function throws. */
  lockIndexing(): void {
    this.#indexingLocked = true;
  }

  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    // The real worker's message (workerIndexingLocked): an app that registers lazily fails in Azure.
    if (this.#indexingLocked) throw new Error('A function can only be registered during app startup.');
    if (this.functions.has(metadata.name)) {
      // The real worker rejects duplicate names at indexing time.
      throw new Error(`A function can only be registered once. The function "${metadata.name}" has already been registered.`);
    }
    this.functions.set(metadata.name, { metadata, callback });
    return new Disposable(() => this.functions.delete(metadata.name));
  }

  registerHook(hookName: string, callback: HookCallback): Disposable {
    const list = this.hooks.get(hookName) ?? [];
    list.push(callback);
    this.hooks.set(hookName, list);
    return new Disposable(() => {
      const current = this.hooks.get(hookName) ?? [];
      this.hooks.set(hookName, current.filter((cb) => cb !== callback));
    });
  }

  async runHooks(hookName: string, context: Record<string, unknown>): Promise<void> {
    for (const hook of this.hooks.get(hookName) ?? []) await hook(context);
  }

  log(level: RpcLogLevel, category: 'user' | 'system', message: string): void {
    this.#logSink(level, category, message);
  }
}

const CORE_MODULE_ID = '@azure/functions-core';

/** Makes `require('@azure/functions-core')` return `api`, exactly as the Node worker does. */
export function installCoreApi(api: CoreApi): void {
  const proto = Module.prototype as unknown as { require: (this: unknown, id: string) => unknown };
  const originalRequire = proto.require;
  proto.require = function interceptRequire(this: unknown, id: string): unknown {
    if (id === CORE_MODULE_ID) return api;
    return originalRequire.call(this, id);
  };
}
