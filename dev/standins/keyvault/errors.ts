// Key Vault's error vocabulary: every refusal the stand-in sends is one of these, rendered as
// `{ error: { code, message } }` with the HTTP status the real service uses for it.

export class KeyVaultError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'KeyVaultError';
  }

  toBody(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function badParameter(message: string): KeyVaultError {
  return new KeyVaultError(400, 'BadParameter', message);
}

export function keyNotFound(name: string, version?: string): KeyVaultError {
  const id = version ? `${name}/${version}` : name;
  return new KeyVaultError(
    404,
    'KeyNotFound',
    `A key with (name/id) ${id} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command.`,
  );
}

export function deletedKeyNotFound(name: string): KeyVaultError {
  return new KeyVaultError(404, 'KeyNotFound', `Deleted Key not found: ${name}`);
}

export function nameInDeletedState(name: string): KeyVaultError {
  return new KeyVaultError(
    409,
    'Conflict',
    `Key ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.`,
  );
}

export function forbidden(message: string): KeyVaultError {
  return new KeyVaultError(403, 'Forbidden', message);
}
