// The HTTP status of an Azure SDK error, whichever copy of the SDK core threw it.
export function azureStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { statusCode?: unknown; code?: unknown }).statusCode ?? (error as { code?: unknown }).code;
  return typeof status === 'number' ? status : undefined;
}
