// Users of a tenant (operational personal data): create, read, rectify, deactivate, erase.
import { app } from '@azure/functions';
import { z } from 'zod';
import { endpoint, type EndpointResult } from '../shared/http/endpoint.js';
import { openTenant } from '../shared/tenants/tenant-access.js';
import { createUser, deactivateUser, eraseUser, readUser, rectifyUser } from '../shared/users/user-service.js';
import type { Representation } from '../shared/store/versioning.js';
import { createUserSchema, eraseUserQuerySchema, rectifyUserSchema, type UserView } from '../shared/users/user.js';

const userParams = z.object({ tenantId: z.string().min(1).max(64), userId: z.string().min(1).max(64) });
const tenantParams = z.object({ tenantId: z.string().min(1).max(64) });

function representation(status: number, rep: Representation<UserView>, extraHeaders: Record<string, string> = {}): EndpointResult {
  return { status, body: rep.view, headers: { etag: rep.etag, ...extraHeaders } };
}

app.http('createUser', {
  route: 'tenants/{tenantId}/users',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: endpoint({
    params: tenantParams,
    body: createUserSchema,
    handle: async ({ principal, params, body, services, requestId, now, idempotency }) => {
      const open = await openTenant(services, principal, params.tenantId, 'personalData.write', 'write', { requestId, now });
      const rep = await createUser(services, open, body, { requestId, now, ...(idempotency ? { idempotency } : {}) });
      return representation(201, rep, { location: `/api/tenants/${params.tenantId}/users/${rep.view.userId}` });
    },
  }),
});

app.http('getUser', {
  route: 'tenants/{tenantId}/users/{userId}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: endpoint({
    params: userParams,
    handle: async ({ principal, params, services, requestId, now }) => {
      const open = await openTenant(services, principal, params.tenantId, 'personalData.read', 'read', { requestId, now });
      return representation(200, await readUser(services, open, params.userId, { requestId, now }));
    },
  }),
});

app.http('rectifyUser', {
  route: 'tenants/{tenantId}/users/{userId}',
  methods: ['PATCH'],
  authLevel: 'anonymous',
  handler: endpoint({
    params: userParams,
    body: rectifyUserSchema,
    handle: async ({ principal, params, body, services, requestId, now, ifMatch, idempotency }) => {
      const open = await openTenant(services, principal, params.tenantId, 'personalData.write', 'write', { requestId, now });
      return representation(200, await rectifyUser(services, open, params.userId, body, { requestId, now, ifMatch, ...(idempotency ? { idempotency } : {}) }));
    },
  }),
});

app.http('deactivateUser', {
  route: 'tenants/{tenantId}/users/{userId}/deactivate',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: endpoint({
    params: userParams,
    handle: async ({ principal, params, services, requestId, now }) => {
      const open = await openTenant(services, principal, params.tenantId, 'personalData.write', 'write', { requestId, now });
      return representation(200, await deactivateUser(services, open, params.userId, { requestId, now }));
    },
  }),
});

app.http('eraseUser', {
  route: 'tenants/{tenantId}/users/{userId}',
  methods: ['DELETE'],
  authLevel: 'anonymous',
  handler: endpoint({
    params: userParams,
    query: eraseUserQuerySchema,
    handle: async ({ principal, params, query, services, requestId, now, idempotency }) => {
      const open = await openTenant(services, principal, params.tenantId, 'personalData.write', 'write', { requestId, now });
      return representation(200, await eraseUser(services, open, params.userId, { requestId, now, ...(query.reason ? { reason: query.reason } : {}), ...(idempotency ? { idempotency } : {}) }));
    },
  }),
});
