// Durable features the local host does not implement, each with the one message an app sees
// wherever it meets the feature: at registration (a warning), at the call (a refused request or a
// failed orchestration). The real Durable extension supports them; test such code against Azure.

export type MissingFeature = 'entities' | 'callHttp' | 'rewind';

const FEATURE_NAMES: Record<MissingFeature, string> = {
  entities: 'Durable entities (df.app.entity, callEntity, signalEntity, readEntityState) are',
  callHttp: 'Durable HTTP calls (context.df.callHttp) are',
  rewind: 'Rewinding a failed instance (client.rewind, rewindPostUri) is',
};

export function notImplementedMessage(feature: MissingFeature): string {
  return `${FEATURE_NAMES[feature]} not implemented by the local host (dev/host); the Durable extension in Azure supports it. See dev/README.md.`;
}
