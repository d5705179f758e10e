/** `ip_warning`: set when Binance says the key works from any IP (names the IPs to whitelist). */
export type ApiKey = {
  id: string;
  label: string;
  api_key_last4: string;
  testnet: boolean;
  created_at: string;
  ip_warning?: string | null;
};
export type KeyUse = { at: string; action: string; outcome: string; bot_id: string | null; detail: string; exchange_code: number | null };
export type KeyAuditPage = { items: KeyUse[]; next_cursor: string | null };
/** `mfa_code`: a fresh two-factor code, required when two-factor sign-in is on. */
export type CreateApiKeyInput = { label: string; api_key: string; api_secret: string; testnet: boolean; mfa_code?: string };
