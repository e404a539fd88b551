// Bounded fan-out: one workflow per item (a tenant's breach notice) started from a single history
// makes that history, and every replay of it, grow with the number of items. Here the items are
// spread over a tree of fan-out nodes: a node with more than `leafSize` items starts at most
// `branching` child nodes, each over an even slice; a leaf starts one workflow per item. Every
// history holds at most max(leafSize, branching) children whatever the count, and the tree is
// log_branching(n / leafSize) levels deep (two for 10,000 items with the breach shape).
//
// Why a tree and not ContinueAsNew: the item workflows run for days (re-sends until acknowledged), and
// an orchestration cannot end or continue as new while sub-orchestrations it started still run (the
// extension awaits every action it returned; so does the local host). ContinueAsNew bounds loops of
// short steps, as in the sub-processor notice rounds (activities, each a batch of tenants).
import { z } from 'zod';
import type { OrchestrationContext, Task } from 'durable-functions';
import { defineOrchestration, startOrchestration, type Orchestration } from './orchestration.js';

export interface FanOutShape {
  /** Items a leaf starts itself (one sub-orchestration each). */
  leafSize: number;
  /** Child nodes a node above the leaves starts at most. */
  branching: number;
}

/** The slices a node hands to its child nodes, or undefined when it is a leaf (few enough items). */
export function fanOutSlices<T>(items: readonly T[], shape: FanOutShape): T[][] | undefined {
  if (shape.leafSize < 1 || shape.branching < 2) throw new Error('a fan-out needs leaves of at least 1 item and at least 2 branches');
  if (items.length <= shape.leafSize) return undefined;
  const parts = Math.min(shape.branching, Math.ceil(items.length / shape.leafSize));
  const slices: T[][] = [];
  for (let i = 0; i < parts; i++) slices.push(items.slice(Math.floor((i * items.length) / parts), Math.floor(((i + 1) * items.length) / parts)));
  return slices;
}

const fanOutOutput = z.object({ started: z.number().int().min(0) });

/**
 * Defines the fan-out node orchestration `name` over items of `item`; `start` starts the workflow of
 * one item (with its own fixed instance id, so a repeat never starts it twice). Start the root with
 * `startOrchestration(context, fanOut, { items }, id)`: it completes when every item workflow has.
 */
export function defineFanOut<Item extends z.ZodType>(
  name: string,
  spec: { item: Item; shape: FanOutShape; start: (context: OrchestrationContext, item: z.output<Item>) => Task },
): Orchestration<z.ZodObject<{ items: z.ZodArray<Item> }>, typeof fanOutOutput> {
  const input = z.object({ items: z.array(spec.item) });
  const self: Orchestration<typeof input, typeof fanOutOutput> = defineOrchestration(name, {
    input,
    output: fanOutOutput,
    body: function* (context, { items }) {
      const slices = fanOutSlices(items, spec.shape);
      const tasks = slices
        ? slices.map((slice, i) => startOrchestration(context, self, { items: slice as z.input<Item>[] }, `${context.df.instanceId}.${i}`))
        : items.map((item) => spec.start(context, item));
      // Task.all fails at the first failed child in the JS library while the extension still awaits
      // the others; nothing is waited for after it, so the node simply ends with its children. An item
      // workflow's failure is its own flow's to record (its alerts, the register); it never stops the
      // notices of other items.
      try {
        yield context.df.Task.all(tasks);
      } catch {
        // see above
      }
      return { started: items.length };
    },
  });
  return self;
}
