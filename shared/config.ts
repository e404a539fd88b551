// The app's settings: the one place that reads process.env. Validated once at start-up, so a
// missing or malformed setting stops the app with a message that names it. The same names appear
// in local.settings.example.json and in the Bicep app settings (infra/).
import { z } from 'zod';
import type { TransferSafeguards } from './support-access/transfer.js';

export const REGIONS = ['uksouth', 'eu'] as const;
export type Region = (typeof REGIONS)[number];

/** The Azure locations each data region may be placed in (its geography: the UK, the European Union); infra/main.bicep types the same choice. */
export const REGION_LOCATIONS: Record<Region, readonly string[]> = {
  uksouth: ['uksouth', 'ukwest'],
  eu: ['westeurope', 'northeurope', 'francecentral', 'germanywestcentral', 'swedencentral', 'italynorth', 'spaincentral', 'polandcentral'],
};

const url = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
const optionalSecret = z.string().min(1).optional();
const days = (fallback: number) => z.coerce.number().int().min(1).max(3650).default(fallback);
/** An ISO 8601 duration of hours and minutes (`PT24H`), as milliseconds, within the given bounds. */
function isoDuration(fallback: string, bounds: { minHours: number; maxHours: number }) {
  return z
    .string()
    .trim()
    .default(fallback)
    .transform((value, ctx) => {
      const m = /^PT(?:(\d{1,4})H)?(?:(\d{1,6})M)?$/.exec(value);
      const ms = m && (m[1] || m[2]) ? (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60_000 : NaN;
      if (!(ms >= bounds.minHours * 3600_000 && ms <= bounds.maxHours * 3600_000)) {
        ctx.addIssue({
          code: 'custom',
          message: `must be an ISO 8601 duration in hours and minutes (PT24H) from PT${bounds.minHours}H to PT${bounds.maxHours}H`,
        });
        return z.NEVER;
      }
      return ms;
    });
}
const perPeriod = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);

/**
 * Browser origins allowed to call the API (the admin portal), comma-separated, as the function app's
 * CORS configuration has them: `https://portal.example.com`. `*` allows any origin (development only).
 */
const allowedOrigins = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const origins = value.split(',').map((o) => o.trim()).filter((o) => o !== '');
    for (const origin of origins) {
      if (origin === '*') continue;
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = undefined;
      }
      if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
        ctx.addIssue({ code: 'custom', message: `${origin} is not an origin (scheme://host[:port], no path or trailing slash)` });
      }
    }
    return origins;
  });

const location = (region: Region, fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .refine((value) => REGION_LOCATIONS[region].includes(value), {
      message: `must be an Azure location in the ${region} geography: ${REGION_LOCATIONS[region].join(', ')}`,
    });

/** An ISO 8601 duration of weeks, days, hours, minutes or seconds (years and months have no fixed length). */
const fixedDuration = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((value, ctx) => {
      // Parsed here rather than by luxon: luxon's first use reads the system locale, a cost every cold start would pay.
      const m = /^P(?!$)(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value);
      const [weeks, days, hours, minutes, seconds] = (m?.slice(1) ?? []).map((part) => Number(part ?? 0));
      const ms = m ? ((((weeks! * 7 + days!) * 24 + hours!) * 60 + minutes!) * 60 + seconds!) * 1000 : 0;
      if (!(ms > 0 && Number.isSafeInteger(ms))) {
        ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 duration in weeks, days, hours, minutes or seconds, such as P30D' });
        return z.NEVER;
      }
      return { text: value, ms };
    });

const settingsSchema = z.object({
  COSMOS_DATABASE: z.string().min(1).default('privacy-ops'),
  COSMOS_ENDPOINT_UKSOUTH: url,
  COSMOS_ENDPOINT_EU: url,
  /** Account keys only for the local stand-in; in Azure the managed identity is used (local auth is disabled). */
  COSMOS_KEY_UKSOUTH: optionalSecret,
  COSMOS_KEY_EU: optionalSecret,
  KEYVAULT_URL_UKSOUTH: url,
  KEYVAULT_URL_EU: url,
  STORAGE_BLOB_URL_UKSOUTH: url,
  STORAGE_BLOB_URL_EU: url,
  /** Shared keys only for the local stand-in; in Azure download links are user-delegation SAS. */
  STORAGE_ACCOUNT_KEY_UKSOUTH: optionalSecret,
  STORAGE_ACCOUNT_KEY_EU: optionalSecret,
  /** Communication Services endpoint per region: email content stays in the tenant's region too. */
  EMAIL_ENDPOINT_UKSOUTH: url,
  EMAIL_ENDPOINT_EU: url,
  /** Access key only for the local stand-in; in Azure the managed identity is used. */
  EMAIL_ACCESS_KEY: optionalSecret,
  /** Sender per region: a Communication Services resource sends only from domains in its own data location. */
  EMAIL_SENDER_ADDRESS_UKSOUTH: z.email({ message: 'must be an email address' }),
  EMAIL_SENDER_ADDRESS_EU: z.email({ message: 'must be an email address' }),
  /** The subscription's email sending quota (both regions share it): the custom-domain defaults are 30 a minute, 100 an hour. */
  EMAIL_QUOTA_PER_MINUTE: perPeriod(30),
  EMAIL_QUOTA_PER_HOUR: perPeriod(100),
  /** Origins of the admin portal allowed to call the API from a browser; no wildcard outside local development. */
  CORS_ALLOWED_ORIGINS: allowedOrigins,
  AUTH_ISSUER: z.string().min(1),
  AUTH_AUDIENCE: z.string().min(1),
  AUTH_JWKS_URL: url,
  /** Client id of the user-assigned managed identity (Azure only). */
  AZURE_CLIENT_ID: z.string().min(1).optional(),
  /** `true` only on a developer machine: plain-HTTP stand-ins and a local credential. */
  LOCAL_DEVELOPMENT: z.enum(['true', 'false']).default('false'),
  SENTRY_DSN: url.optional(),
  SENTRY_ENVIRONMENT: z.string().min(1).default('production'),
  /** Cosmos DB continuous backup retention: encrypted backups expire this many days after deletion. */
  BACKUP_RETENTION_DAYS: days(30),
  /** Key Vault soft-delete retention (purge protection is on): a deleted key is gone for good this many days later. */
  KEY_SOFT_DELETE_RETENTION_DAYS: days(7),
  /** How long telemetry and logs are kept (Application Insights and every Log Analytics workspace in infra/). */
  TELEMETRY_RETENTION_DAYS: days(30),
  /** How long export and access-package download links stay valid. */
  DOWNLOAD_LINK_TTL_HOURS: z.coerce.number().int().min(1).max(168).default(72),
  /** Where ops.breach staff are reminded (24, 48, 66 hours after awareness) while breach notices are unsent. */
  OPS_BREACH_EMAIL: z.email({ message: 'must be an email address' }),
  /**
   * When the breach clock's heartbeat runs (six-field NCRONTAB, UTC): hourly in Azure, where an alert
   * waits for it; the Functions host reads it for the timer trigger, the app validates it here.
   */
  BREACH_CLOCK_HEARTBEAT_SCHEDULE: z
    .string()
    .trim()
    .regex(/^\S+( \S+){5}$/, 'must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week})')
    .default('0 5 * * * *'),
  /**
   * The vendor's own target for notifying controllers after awareness (ISO 8601 duration, at most
   * PT72H): "without undue delay" (Art 33(2)), so notices after it need a reason for the delay and
   * ops are alerted when it passes. 72 hours stays the outer promise of the privacy notice.
   */
  BREACH_NOTIFY_TARGET: isoDuration('PT24H', { minHours: 1, maxHours: 72 }),
  /**
   * How long a data-subject request may wait for identity evidence or a clarification the controller
   * asked for before it is closed as not verified (ISO 8601 `PnM` or `PnD`, from the day it was asked).
   */
  DSAR_UNVERIFIED_CLOSE_AFTER: z
    .string()
    .trim()
    .default('P1M')
    .transform((value, ctx) => {
      const m = /^P(?:(\d{1,2})M|(\d{1,3})D)$/.exec(value);
      const period = m ? (m[1] ? { months: Number(m[1]) } : { days: Number(m[2]) }) : undefined;
      if (!period || (period.months ?? period.days ?? 0) < 1) {
        ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 period of whole months or days, such as P1M or P30D' });
        return z.NEVER;
      }
      return period;
    }),
  /** When the retention sweep runs (six-field NCRONTAB, UTC): daily in Azure; the Functions host reads it for the timer. */
  RETENTION_SWEEP_SCHEDULE: z
    .string()
    .trim()
    .regex(/^\S+( \S+){5}$/, 'must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week})')
    .default('0 15 2 * * *'),
  /**
   * When the reconciler runs (six-field NCRONTAB, UTC): every 10 minutes in Azure, which bounds how
   * long a lost signal, a failed start or a failed workflow goes unrepaired (functions/flow-reconciler.ts).
   */
  FLOW_RECONCILER_SCHEDULE: z
    .string()
    .trim()
    .regex(/^\S+( \S+){5}$/, 'must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week})')
    .default('0 */10 * * * *'),
  /** Who is alerted 70 hours after awareness if breach notices are still unsent. */
  OPS_ESCALATION_EMAIL: z.email({ message: 'must be an email address' }),
  /** The vendor's data protection officer: the contact point breach notices name by default (Art 33(3)(b)). */
  DPO_NAME: z.string().trim().min(1).max(200),
  DPO_EMAIL: z.email({ message: 'must be an email address' }),
  /** Longest token lifetime accepted (exp minus iat), in minutes; Entra ID access tokens last 60 to 90. */
  AUTH_MAX_TOKEN_LIFETIME_MINUTES: z.coerce.number().int().min(5).max(400 * 24 * 60).default(24 * 60),
  /** Largest request body accepted, in bytes: 413 past it, refused from Content-Length before reading. */
  REQUEST_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(32 * 1024 * 1024).default(1024 * 1024),
  /** Deepest nesting of objects and arrays accepted in a JSON body: 400 past it. */
  REQUEST_JSON_MAX_DEPTH: z.coerce.number().int().min(4).max(256).default(32),
  /** Requests one caller (token subject) may make per minute, per instance; 429 with Retry-After past it. */
  RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE: z.coerce.number().int().min(10).max(1_000_000).default(600),
  /** Requests all callers of one customer tenant together may make per minute, per instance. */
  RATE_LIMIT_PER_CALLER_TENANT_PER_MINUTE: z.coerce.number().int().min(10).max(1_000_000).default(3000),
  /**
   * Longest an unwrapped tenant or subject key stays in an instance's memory, in seconds (0: never
   * cached, one Key Vault unwrap per request). Bounds how long another instance may still read data
   * after an erasure or termination destroyed its key; the instance that destroyed it evicts at once.
   */
  KEY_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
  /** Independent hash chains per audit log of a tenant: concurrent writers append to different chains. */
  AUDIT_CHAIN_LANES: z.coerce.number().int().min(1).max(64).default(8),
  /** The Azure location of each data region's stores (Bicep output of the region module): what residency statements name. */
  DATA_LOCATION_UKSOUTH: location('uksouth', 'uksouth'),
  DATA_LOCATION_EU: location('eu', 'westeurope'),
  /** The processor's name, as the record of processing (Art 30(2)) and the evidence pack give it. */
  PROCESSOR_NAME: z.string().trim().min(1).max(200).default('Opsium'),
  /** The shortest notice a sub-processor change may be given before it takes effect (DPA §5). */
  SUBPROCESSOR_NOTICE_PERIOD: fixedDuration('P30D'),
  /** Where ops.platform is told of objections to sub-processor changes (and reminded of unanswered ones); the DPO when unset. */
  OPS_PLATFORM_EMAIL: z.email({ message: 'must be an email address' }).optional(),
  /** Reference of the UK IDTA under which support engineers outside the UK (and its adequate countries) may access uksouth tenants. */
  SUPPORT_TRANSFER_UK_IDTA: z.string().trim().min(1).max(200).optional(),
  /** Reference of the EU SCCs under which support engineers outside the EEA (and its adequate countries) may access eu tenants. */
  SUPPORT_TRANSFER_EU_SCCS: z.string().trim().min(1).max(200).optional(),
  /** Transfer impact assessment per destination, `US=TIA-2026-01,IN=TIA-2026-02`: without one, no support access from there. */
  SUPPORT_TRANSFER_TIAS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const tias: Record<string, string> = {};
      for (const pair of value.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
        const m = /^([A-Z]{2})=([\x21-\x7e]{1,100})$/.exec(pair);
        if (!m) ctx.addIssue({ code: 'custom', message: `${pair} is not COUNTRY=REFERENCE (an ISO 3166-1 alpha-2 code, then the TIA reference)` });
        else tias[m[1]!] = m[2]!;
      }
      return tias;
    }),
});

export type Settings = z.infer<typeof settingsSchema>;

export interface RegionSettings {
  cosmos: { endpoint: string; key?: string };
  keyVaultUrl: string;
  blob: { url: string; accountKey?: string };
  emailEndpoint: string;
  emailSender: string;
  /** The Azure location the region's Cosmos DB account, Key Vault and storage account are in. */
  location: string;
}

export interface Config {
  settings: Settings;
  localDevelopment: boolean;
  cosmosDatabase: string;
  regions: Record<Region, RegionSettings>;
  email: { accessKey?: string; quota: EmailQuota };
  cors: { allowedOrigins: string[] };
  auth: { issuer: string; audience: string; jwksUrl: string };
  managedIdentityClientId?: string;
  sentry: { dsn?: string; environment: string };
  retention: { backupDays: number; keySoftDeleteDays: number; telemetryDays: number; downloadLinkHours: number };
  breach: { opsEmail: string; escalationEmail: string; dpo: { name: string; email: string }; notifyTargetMs: number };
  limits: RequestLimits;
  audit: { chainLanes: number };
  /** Unwrapped keys in memory: for at most this long (shared/crypto/keyring.ts). */
  keyCache: { maxAgeMs: number };
  processor: { name: string };
  subProcessors: { noticePeriod: string; noticePeriodMs: number; opsEmail: string };
  dsar: { unverifiedCloseAfter: UnverifiedCloseAfter };
  supportTransfers: TransferSafeguards;
}

/** How long a request may wait on the person before it is closed as not verified. */
export type UnverifiedCloseAfter = { months: number; days?: undefined } | { days: number; months?: undefined };

export interface RequestLimits {
  maxTokenLifetimeSeconds: number;
  bodyBytes: number;
  jsonDepth: number;
  perPrincipalPerMinute: number;
  perCallerTenantPerMinute: number;
}

/** How many emails the subscription may send: per minute and per hour, across both regions. */
export interface EmailQuota {
  perMinute: number;
  perHour: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: { setting: string; message: string }[]) {
    super(`Invalid app settings: ${problems.map((p) => `${p.setting} ${p.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty app setting means "not set", as the Functions host treats it.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = settingsSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        setting: String(issue.path[0] ?? '(settings)'),
        message: issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message,
      })),
    );
  }
  const s = parsed.data;
  if (s.LOCAL_DEVELOPMENT !== 'true' && s.CORS_ALLOWED_ORIGINS.includes('*')) {
    throw new ConfigError([
      { setting: 'CORS_ALLOWED_ORIGINS', message: 'must list the admin portal origins; a wildcard is refused outside local development' },
    ]);
  }
  const region = (
    cosmosEndpoint: string,
    cosmosKey: string | undefined,
    keyVaultUrl: string,
    blobUrl: string,
    blobKey: string | undefined,
    emailEndpoint: string,
    emailSender: string,
    location: string,
  ): RegionSettings => ({
    cosmos: { endpoint: cosmosEndpoint, ...(cosmosKey ? { key: cosmosKey } : {}) },
    keyVaultUrl,
    blob: { url: blobUrl, ...(blobKey ? { accountKey: blobKey } : {}) },
    emailEndpoint,
    emailSender,
    location,
  });
  return {
    settings: s,
    localDevelopment: s.LOCAL_DEVELOPMENT === 'true',
    cosmosDatabase: s.COSMOS_DATABASE,
    regions: {
      uksouth: region(
        s.COSMOS_ENDPOINT_UKSOUTH,
        s.COSMOS_KEY_UKSOUTH,
        s.KEYVAULT_URL_UKSOUTH,
        s.STORAGE_BLOB_URL_UKSOUTH,
        s.STORAGE_ACCOUNT_KEY_UKSOUTH,
        s.EMAIL_ENDPOINT_UKSOUTH,
        s.EMAIL_SENDER_ADDRESS_UKSOUTH,
        s.DATA_LOCATION_UKSOUTH,
      ),
      eu: region(
        s.COSMOS_ENDPOINT_EU,
        s.COSMOS_KEY_EU,
        s.KEYVAULT_URL_EU,
        s.STORAGE_BLOB_URL_EU,
        s.STORAGE_ACCOUNT_KEY_EU,
        s.EMAIL_ENDPOINT_EU,
        s.EMAIL_SENDER_ADDRESS_EU,
        s.DATA_LOCATION_EU,
      ),
    },
    email: {
      ...(s.EMAIL_ACCESS_KEY ? { accessKey: s.EMAIL_ACCESS_KEY } : {}),
      quota: { perMinute: s.EMAIL_QUOTA_PER_MINUTE, perHour: s.EMAIL_QUOTA_PER_HOUR },
    },
    cors: { allowedOrigins: s.CORS_ALLOWED_ORIGINS },
    auth: { issuer: s.AUTH_ISSUER, audience: s.AUTH_AUDIENCE, jwksUrl: s.AUTH_JWKS_URL },
    ...(s.AZURE_CLIENT_ID ? { managedIdentityClientId: s.AZURE_CLIENT_ID } : {}),
    sentry: { ...(s.SENTRY_DSN ? { dsn: s.SENTRY_DSN } : {}), environment: s.SENTRY_ENVIRONMENT },
    retention: {
      backupDays: s.BACKUP_RETENTION_DAYS,
      keySoftDeleteDays: s.KEY_SOFT_DELETE_RETENTION_DAYS,
      telemetryDays: s.TELEMETRY_RETENTION_DAYS,
      downloadLinkHours: s.DOWNLOAD_LINK_TTL_HOURS,
    },
    breach: {
      opsEmail: s.OPS_BREACH_EMAIL,
      escalationEmail: s.OPS_ESCALATION_EMAIL,
      dpo: { name: s.DPO_NAME, email: s.DPO_EMAIL },
      notifyTargetMs: s.BREACH_NOTIFY_TARGET,
    },
    limits: {
      maxTokenLifetimeSeconds: s.AUTH_MAX_TOKEN_LIFETIME_MINUTES * 60,
      bodyBytes: s.REQUEST_BODY_LIMIT_BYTES,
      jsonDepth: s.REQUEST_JSON_MAX_DEPTH,
      perPrincipalPerMinute: s.RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE,
      perCallerTenantPerMinute: s.RATE_LIMIT_PER_CALLER_TENANT_PER_MINUTE,
    },
    audit: { chainLanes: s.AUDIT_CHAIN_LANES },
    keyCache: { maxAgeMs: s.KEY_CACHE_SECONDS * 1000 },
    processor: { name: s.PROCESSOR_NAME },
    subProcessors: {
      noticePeriod: s.SUBPROCESSOR_NOTICE_PERIOD.text,
      noticePeriodMs: s.SUBPROCESSOR_NOTICE_PERIOD.ms,
      opsEmail: s.OPS_PLATFORM_EMAIL ?? s.DPO_EMAIL,
    },
    dsar: { unverifiedCloseAfter: s.DSAR_UNVERIFIED_CLOSE_AFTER },
    supportTransfers: {
      ...(s.SUPPORT_TRANSFER_UK_IDTA ? { ukIdta: s.SUPPORT_TRANSFER_UK_IDTA } : {}),
      ...(s.SUPPORT_TRANSFER_EU_SCCS ? { euSccs: s.SUPPORT_TRANSFER_EU_SCCS } : {}),
      tias: s.SUPPORT_TRANSFER_TIAS,
    },
  };
}

/**
 * The CORS setting alone, for the local host: it answers preflights for the app the way the Functions
 * host does for `siteConfig.cors`, from the same setting, without needing the app's other settings.
 */
export function corsSettings(env: Record<string, string | undefined> = process.env): { allowedOrigins: string[] } {
  const parsed = allowedOrigins.safeParse(env['CORS_ALLOWED_ORIGINS']?.trim() || undefined);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => ({ setting: 'CORS_ALLOWED_ORIGINS', message: issue.message })));
  return { allowedOrigins: parsed.data };
}

/** The names of every setting, for checks that local.settings.example.json and Bicep list them all. */
export const SETTING_NAMES: readonly string[] = Object.keys(settingsSchema.shape);
