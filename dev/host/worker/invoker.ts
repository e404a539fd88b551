// Invokes registered functions the way the Node worker does: through the programming model's own
// invocation model (argument conversion, pre/post invocation hooks, result conversion).
import { randomUUID } from 'node:crypto';
import type { CoreApi, RegisteredFunction } from './core-api.js';
import type { RpcBindingInfo, RpcInvocationResponse, RpcParameterBinding, RpcTypedData } from './rpc-types.js';

/** Supplies the value of a non-trigger input binding (e.g. `durableClient`) for one invocation. */
export type InputBindingProvider = (binding: RpcBindingInfo, functionName: string) => RpcTypedData;

/** Output bindings the host itself consumes (the HTTP response); any other output value is dropped, loudly. */
const CONSUMED_OUTPUT_TYPES = new Set(['http']);

export class FunctionInvocationError extends Error {
  constructor(
    readonly functionName: string,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'FunctionInvocationError';
    if (cause instanceof Error && cause.stack) this.stack = cause.stack;
  }
}

export class FunctionInvoker {
  readonly #core: CoreApi;
  readonly #inputProviders: Map<string, InputBindingProvider>;
  readonly #warn: (message: string) => void;

  constructor(core: CoreApi, inputProviders: Record<string, InputBindingProvider>, warn: (message: string) => void = () => undefined) {
    this.#core = core;
    this.#inputProviders = new Map(Object.entries(inputProviders).map(([type, p]) => [type.toLowerCase(), p]));
    this.#warn = warn;
  }

  /** The function registered under `functionName`; names are case-insensitive, as in the Functions host. */
  find(functionName: string): RegisteredFunction | undefined {
    const exact = this.#core.functions.get(functionName);
    if (exact) return exact;
    const wanted = functionName.toLowerCase();
    for (const [name, registered] of this.#core.functions) if (name.toLowerCase() === wanted) return registered;
    return undefined;
  }

  get(functionName: string): RegisteredFunction {
    const registered = this.find(functionName);
    if (!registered) throw new Error(`No function named "${functionName}" is registered.`);
    return registered;
  }

  /** Whether `functionName` is registered with a trigger of `triggerType` (e.g. `activityTrigger`). */
  hasTrigger(functionName: string, triggerType: string): boolean {
    const registered = this.find(functionName);
    return registered !== undefined && Object.values(registered.metadata.bindings).some((b) => b.type?.toLowerCase() === triggerType.toLowerCase());
  }

  /** Invokes `functionName` with `triggerData` as its trigger input; throws FunctionInvocationError when the handler fails. */
  async invoke(
    functionName: string,
    triggerData: RpcTypedData,
    triggerMetadata?: Record<string, RpcTypedData>,
    /** Given when the caller must know it first (a streamed HTTP request is matched to it by id). */
    invocationId: string = randomUUID(),
  ): Promise<RpcInvocationResponse> {
    const { metadata, callback } = this.get(functionName);
    functionName = metadata.name;
    const inputData: RpcParameterBinding[] = [];
    for (const [name, binding] of Object.entries(metadata.bindings)) {
      if (binding.direction !== 'in') continue;
      if (isTriggerType(binding.type)) {
        inputData.push({ name, data: triggerData });
        continue;
      }
      const provider = this.#inputProviders.get(String(binding.type).toLowerCase());
      if (!provider) throw new Error(`The local host has no input binding of type "${binding.type}" (function "${functionName}").`);
      inputData.push({ name, data: provider(binding, functionName) });
    }

    const coreCtx = {
      invocationId,
      request: { invocationId, functionId: functionName, inputData, triggerMetadata: triggerMetadata ?? {} },
      metadata: { name: functionName, bindings: metadata.bindings },
      state: undefined as undefined | 'preInvocationHooks' | 'postInvocationHooks' | 'invocation',
      log: (level: Parameters<CoreApi['log']>[0], category: 'user' | 'system', message: string) =>
        this.#core.log(level, category, `[${functionName}] ${message}`),
    };
    const model = this.#core.getProgrammingModel().getInvocationModel(coreCtx);
    const { context, inputs } = await model.getArguments();

    const hookData: Record<string, unknown> = {};
    const preContext = { hookData, appHookData: {}, invocationContext: context, inputs, functionCallback: callback };
    coreCtx.state = 'preInvocationHooks';
    await this.#core.runHooks('preInvocation', preContext);

    coreCtx.state = 'invocation';
    const postContext = {
      hookData,
      appHookData: {},
      invocationContext: context,
      inputs: preContext.inputs,
      result: null as unknown,
      error: null as unknown,
    };
    try {
      postContext.result = await model.invokeFunction(context, preContext.inputs, preContext.functionCallback);
    } catch (error) {
      postContext.error = error;
    }
    coreCtx.state = 'postInvocationHooks';
    await this.#core.runHooks('postInvocation', postContext);
    if (postContext.error) throw new FunctionInvocationError(functionName, postContext.error);
    const response = await model.getResponse(context, postContext.result);
    for (const output of response.outputData ?? []) {
      const type = metadata.bindings[output.name ?? '']?.type ?? 'unknown';
      if (!CONSUMED_OUTPUT_TYPES.has(type.toLowerCase())) {
        this.#warn(
          `[${functionName}] output binding "${output.name}" (${type}) is not implemented by the local host: the value the function set on it was dropped`,
        );
      }
    }
    return response;
  }
}

/** Output bindings of `metadata` whose values the local host drops (everything but the HTTP response). */
export function unsupportedOutputBindings(metadata: { bindings: Record<string, RpcBindingInfo> }): { name: string; type: string }[] {
  return Object.entries(metadata.bindings)
    .filter(([name, b]) => b.direction === 'out' && name !== '$return' && !CONSUMED_OUTPUT_TYPES.has(String(b.type).toLowerCase()))
    .map(([name, b]) => ({ name, type: String(b.type) }));
}

export function isTriggerType(type: string | null | undefined): boolean {
  return typeof type === 'string' && type.toLowerCase().endsWith('trigger');
}

/** Converts RPC typed data back into a plain value, as the host does before serialising results. */
export function fromTypedData(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (data.string !== undefined && data.string !== null) return data.string;
  if (data.json !== undefined && data.json !== null) return JSON.parse(data.json) as unknown;
  if (data.bytes) return Buffer.from(data.bytes);
  if (data.int !== undefined && data.int !== null) return Number(data.int);
  if (data.double !== undefined && data.double !== null) return data.double;
  if (data.collectionString?.string) return data.collectionString.string;
  if (data.collectionDouble?.double) return data.collectionDouble.double;
  return undefined;
}
