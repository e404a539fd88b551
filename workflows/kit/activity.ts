// Typed activities: an activity is defined once with the zod schemas of its input and its output,
// registered under its name, and called from orchestrators through `caller` (./call.ts), which
// knows both types. The input is validated here, at the activity boundary; the output is parsed
// in the orchestrator, so neither side needs a cast. Handlers stay thin calls into shared/.
import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import type { Task } from 'durable-functions';
import { z } from 'zod';
import { getServices, type Services } from '../../shared/composition.js';
import { InvalidActivityInputError } from './failure.js';

/** What a handler gets besides its input. */
export interface ActivityContext {
  /** The app's adapters (built on first use). */
  readonly services: Services;
  /** The clock (activities read it; orchestrators use context.df.currentUtcDateTime). */
  now(): Date;
  /** A request id for audit entries and idempotency keys: this invocation and the step. */
  requestId(step: string): string;
  readonly invocation: InvocationContext;
}

export interface Activity<In extends z.ZodType, Out extends z.ZodType> {
  /** The registered function name (unchanged across refactors: history and tests name it). */
  readonly name: string;
  readonly input: In;
  readonly output: Out;
  /** One try, without retries; orchestrators call activities through `caller`, which loops. */
  once(input: z.input<In>): Task;
}

/** The output of an activity that returns nothing (the platform may hand the orchestrator null). */
export const NO_OUTPUT = z.union([z.void(), z.null()]);

export type ActivityHandler<In extends z.ZodType, Out extends z.ZodType> = (input: z.output<In>, context: ActivityContext) => Promise<z.input<Out>>;

export function defineActivity<In extends z.ZodType, Out extends z.ZodType>(
  name: string,
  spec: { input: In; output: Out; handler: ActivityHandler<In, Out> },
): Activity<In, Out> {
  const registered = df.app.activity(name, {
    handler: async (raw: unknown, invocation: InvocationContext) => {
      const parsed = spec.input.safeParse(raw);
      if (!parsed.success) throw new InvalidActivityInputError(name, parsed.error.issues);
      return spec.handler(parsed.data, activityContext(invocation));
    },
  });
  return { name, input: spec.input, output: spec.output, once: (input) => registered(input) };
}

function activityContext(invocation: InvocationContext): ActivityContext {
  return {
    get services() {
      return getServices();
    },
    now: () => getServices().clock.now(),
    requestId: (step) => `${invocation.invocationId}:${step}`,
    invocation,
  };
}
