// Where the local stand-ins listen, as the platform process reports them to the host.

export const REGIONS = ['uksouth', 'eu'] as const;
export type LocalRegion = (typeof REGIONS)[number];

export interface PlatformAddresses {
  controlUrl: string;
  cosmos: Partial<Record<LocalRegion, { endpoint: string; key: string }>>;
  keyVault: Partial<Record<LocalRegion, { url: string }>>;
  storage: Partial<Record<LocalRegion, { blobUrl: string; accountName: string; accountKey: string; connectionString: string }>>;
  /** `url` and the connection string go through the fault proxy; `outboxUrl` is the stand-in itself. */
  email: { url: string; connectionString: string; outboxUrl?: string };
}
