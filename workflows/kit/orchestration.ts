// Typed orchestrations: the input is parsed with its schema when the orchestration starts (and on
// every replay, deterministically), and a parent calling it as a sub-orchestration gets its output
// parsed with the output schema. The registered name never changes: history and tests name it.
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { z } from 'zod';

/** What an orchestration returns when it continued as new (the platform ignores its output). */
export const CONTINUED_AS_NEW = Symbol('continued as new');

export interface Orchestration<In extends z.ZodType, Out extends z.ZodType> {
  readonly name: string;
  readonly input: In;
  readonly output: Out;
}

/** What a body can do to its own instance. */
export interface Self<In extends z.ZodType> {
  /** Starts a new generation with `input` (keeps a long loop's history small); return its result. */
  continueAsNew(input: z.input<In>): typeof CONTINUED_AS_NEW;
}

export type OrchestrationBody<In extends z.ZodType, Out extends z.ZodType> = (
  context: OrchestrationContext,
  input: z.output<In>,
  self: Self<In>,
) => Generator<Task, z.input<Out> | typeof CONTINUED_AS_NEW, unknown>;

export function defineOrchestration<In extends z.ZodType, Out extends z.ZodType>(
  name: string,
  spec: { input: In; output: Out; body: OrchestrationBody<In, Out> },
): Orchestration<In, Out> {
  df.app.orchestration(name, function* (context: OrchestrationContext) {
    const self: Self<In> = {
      continueAsNew: (input) => {
        context.df.continueAsNew(input);
        return CONTINUED_AS_NEW;
      },
    };
    const result = yield* spec.body(context, spec.input.parse(context.df.getInput()), self);
    return result === CONTINUED_AS_NEW ? undefined : result;
  });
  return { name, input: spec.input, output: spec.output };
}

/** Runs `orchestration` as a sub-orchestration with a fixed instance id and returns its parsed output. */
export function* callOrchestration<In extends z.ZodType, Out extends z.ZodType>(
  context: OrchestrationContext,
  orchestration: Orchestration<In, Out>,
  input: z.input<In>,
  instanceId: string,
): Generator<Task, z.output<Out>, unknown> {
  const result: unknown = yield context.df.callSubOrchestrator(orchestration.name, input, instanceId);
  return orchestration.output.parse(result);
}

/** Fan-out: the task of one sub-orchestration, to yield with others in Task.all / Task.any. */
export function startOrchestration<In extends z.ZodType, Out extends z.ZodType>(
  context: OrchestrationContext,
  orchestration: Orchestration<In, Out>,
  input: z.input<In>,
  instanceId: string,
): Task {
  return context.df.callSubOrchestrator(orchestration.name, input, instanceId);
}
