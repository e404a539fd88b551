// Liveness for load balancers and the local host: anonymous and free of personal data.
import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { publicRoute } from '../shared/http/api-routes.js';

export function health(): HttpResponseInit {
  return { status: 200, jsonBody: { status: 'ok' } };
}

publicRoute(
  'health',
  {
    route: 'health',
    method: 'GET',
    summary: 'Liveness',
    tag: 'Platform',
    why: 'load balancers probe it without credentials',
    responses: { 200: { contentType: 'application/json', schema: z.object({ status: z.literal('ok') }).meta({ id: 'Health' }) } },
  },
  health,
);
