// Local stand-in for Azure Cosmos DB (NoSQL API): the real @azure/cosmos client talks to it.
// See cosmos/server.ts for the HTTP surface and the client options, cosmos/README.md for what differs
// from real Cosmos and what product code must therefore avoid.
export { startCosmos, COSMOS_EMULATOR_KEY, type CosmosStandIn, type CosmosStandInOptions } from './cosmos/server.js';
export { standInClientOptions } from './cosmos/client-options.js';
