export type ApiKey = { id: string; label: string; api_key_last4: string; testnet: boolean; created_at: string };
export type CreateApiKeyInput = { label: string; api_key: string; api_secret: string; testnet: boolean };
