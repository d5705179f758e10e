export type ApiKey = { id: string; label: string; api_key_last4: string; testnet: boolean; created_at: string };
/** `mfa_code`: a fresh two-factor code, required when two-factor sign-in is on. */
export type CreateApiKeyInput = { label: string; api_key: string; api_secret: string; testnet: boolean; mfa_code?: string };
