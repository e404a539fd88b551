// Users of a tenant (operational personal data): create, read, rectify, deactivate, erase.
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { tenantParams, withEtag } from '../shared/http/common.js';
import { openTenant } from '../shared/tenants/tenant-access.js';
import { createUser, deactivateUser, eraseUser, readUser, rectifyUser } from '../shared/users/user-service.js';
import { createUserSchema, eraseUserQuerySchema, rectifyUserSchema } from '../shared/users/user.js';
import { tenantIdSchema, userIdSchema } from '../shared/http/text.js';
import { userViewSchema } from '../shared/users/user.js';

const userParams = z.object({ tenantId: tenantIdSchema, userId: userIdSchema });

apiRoute(
  'createUser',
  {
    route: 'tenants/{tenantId}/users',
    method: 'POST',
    summary: 'Create a user (operational personal data, encrypted under their own key)',
    responses: { 201: userViewSchema },
    tag: 'Users',
    headers: ['Idempotency-Key'],
  },
  {
    auth: { tenant: 'personalData.write' },
    params: tenantParams,
    body: createUserSchema,
    handle: async ({ principal, params, body, services, meta, idempotency }) => {
      const open = await openTenant(services, principal, params.tenantId, 'personalData.write', 'write', meta);
      const rep = await createUser(services, open, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      return withEtag(201, rep, { location: `/api/tenants/${params.tenantId}/users/${rep.view.userId}` });
    },
  },
);

apiRoute(
  'getUser',
  {
    route: 'tenants/{tenantId}/users/{userId}',
    method: 'GET',
    summary: 'Read a user, with their rectification history',
    responses: { 200: userViewSchema },
    tag: 'Users',
  },
  {
    auth: { tenant: 'personalData.read', grantScope: 'users:read' },
    params: userParams,
    handle: async ({ principal, params, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'personalData.read', 'read', meta);
      return withEtag(200, await readUser(services, open, params.userId, meta));
    },
  },
);

apiRoute(
  'rectifyUser',
  {
    route: 'tenants/{tenantId}/users/{userId}',
    method: 'PATCH',
    summary: 'Rectify a user (tracked beside the original; needs If-Match and a reason)',
    responses: { 200: userViewSchema },
    tag: 'Users',
    headers: ['If-Match', 'Idempotency-Key'],
  },
  {
    auth: { tenant: 'personalData.write' },
    params: userParams,
    body: rectifyUserSchema,
    handle: async ({ principal, params, body, services, meta, ifMatch, idempotency }) => {
      const open = await openTenant(services, principal, params.tenantId, 'personalData.write', 'write', meta);
      return withEtag(200, await rectifyUser(services, open, params.userId, body, { ...meta, ifMatch, ...(idempotency ? { idempotency } : {}) }));
    },
  },
);

apiRoute(
  'deactivateUser',
  {
    route: 'tenants/{tenantId}/users/{userId}/deactivate',
    method: 'POST',
    summary: 'Deactivate a user (keeps their data; no new use)',
    responses: { 200: userViewSchema },
    tag: 'Users',
  },
  {
    auth: { tenant: 'personalData.write' },
    params: userParams,
    handle: async ({ principal, params, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'personalData.write', 'write', meta);
      return withEtag(200, await deactivateUser(services, open, params.userId, meta));
    },
  },
);

apiRoute(
  'eraseUser',
  {
    route: 'tenants/{tenantId}/users/{userId}',
    method: 'DELETE',
    summary: 'Erase a user (tombstone; their key is destroyed)',
    responses: { 200: userViewSchema },
    tag: 'Users',
    headers: ['Idempotency-Key'],
  },
  {
    auth: { tenant: 'personalData.write' },
    params: userParams,
    query: eraseUserQuerySchema,
    handle: async ({ principal, params, query, services, meta, idempotency }) => {
      const open = await openTenant(services, principal, params.tenantId, 'personalData.write', 'write', meta);
      return withEtag(
        200,
        await eraseUser(services, open, params.userId, {
          ...meta,
          ...(query.reason ? { reason: query.reason } : {}),
          ...(idempotency ? { idempotency } : {}),
        }),
      );
    },
  },
);
