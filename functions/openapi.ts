// The API description, generated from the zod schemas the routes validate with (no auth: the
// admin portal's build reads it).
import { app, type HttpResponseInit } from '@azure/functions';
import { openApiDocument } from '../shared/http/api-routes.js';

export function openApi(): HttpResponseInit {
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' },
    body: JSON.stringify(openApiDocument({ title: 'Privacy operations API', version: '1' })),
  };
}

app.http('openApi', { route: 'openapi.json', methods: ['GET'], authLevel: 'anonymous', handler: openApi });
