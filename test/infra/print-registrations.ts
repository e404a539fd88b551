// Loads an app entry (argv[2], a path) under the local host's stand-in for the worker's
// `@azure/functions-core`, as the Functions worker loads it, and prints what it registered: every
// function's metadata (name, bindings with their triggers, routes, methods, auth levels, schedules,
// retry options) and the hooks, as JSON. The package test compares the production bundle's with
// the tsc output's, which the rest of the suite runs.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { CoreApi, installCoreApi } from '../../dev/host/worker/core-api.js';

const api = new CoreApi(() => undefined);
installCoreApi(api);
await import(pathToFileURL(resolve(process.argv[2]!)).href);
const functions = [...api.functions.values()].map(({ metadata }) => metadata).sort((a, b) => a.name.localeCompare(b.name));
const hooks = Object.fromEntries([...api.hooks].map(([name, callbacks]) => [name, callbacks.length]));
process.stdout.write(JSON.stringify({ functions, hooks }));
