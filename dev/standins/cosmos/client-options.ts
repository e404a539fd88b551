// CosmosClient options for the stand-in. Product code needs nothing stand-in specific: endpoint and
// key from configuration work as they are (the account document lists this HTTP endpoint as its only
// location, so endpoint discovery resolves back to it). Tests and tools use these options.
import type { CosmosClientOptions } from '@azure/cosmos';
import type { CosmosStandIn } from './server.js';

export function standInClientOptions(standIn: Pick<CosmosStandIn, 'endpoint' | 'key'>): CosmosClientOptions {
  return {
    endpoint: standIn.endpoint,
    key: standIn.key,
    // Discovery works too, but only adds a metadata round trip and a background refresh timer.
    connectionPolicy: { enableEndpointDiscovery: false, enableBackgroundEndpointRefreshing: false },
  };
}
