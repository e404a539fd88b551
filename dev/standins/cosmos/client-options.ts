// The CosmosClient options a process needs to talk to the stand-in. Product code reads endpoint and
// key from configuration; the one option it must add locally is `enableEndpointDiscovery: false`.
import type { CosmosClientOptions } from '@azure/cosmos';
import type { CosmosStandIn } from './server.js';

export function standInClientOptions(standIn: Pick<CosmosStandIn, 'endpoint' | 'key'>): CosmosClientOptions {
  return {
    endpoint: standIn.endpoint,
    key: standIn.key,
    // The account document lists one location; discovery would only add a metadata round trip per
    // client and, on older stand-in builds, point the SDK at an https URL with an expired certificate.
    connectionPolicy: { enableEndpointDiscovery: false },
  };
}
