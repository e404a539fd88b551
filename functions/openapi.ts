// The API description, generated from the zod schemas the routes validate with (no auth: the
// admin portal's build reads it).
import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { openApiDocument, publicRoute } from '../shared/http/api-routes.js';

export function openApi(): HttpResponseInit {
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' },
    body: JSON.stringify(openApiDocument({ title: 'Privacy operations API', version: '1' })),
  };
}

publicRoute(
  'openApi',
  {
    route: 'openapi.json',
    method: 'GET',
    summary: 'This document',
    tag: 'Platform',
    why: "the admin portal's build reads it",
    responses: { 200: { contentType: 'application/json', schema: z.looseObject({ openapi: z.string() }).meta({ id: 'OpenApiDocument' }) } },
  },
  openApi,
);
