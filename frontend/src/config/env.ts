import { z } from 'zod';

// Environment is read once and validated at start-up, failing loudly with what to set.
const EnvSchema = z.object({
  API_URL: z
    .string()
    .regex(/^(\/|https?:\/\/)/, 'VITE_APP_API_URL must be a path like /api/v1 or an absolute http(s) URL')
    .default('/api/v1'),
});

export type Env = z.infer<typeof EnvSchema>;

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = EnvSchema.safeParse({ API_URL: source.VITE_APP_API_URL || undefined });
  if (!result.success) {
    const problems = result.error.issues.map((i) => `- ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid environment for the web app:\n${problems}`);
  }
  return result.data;
}

export const env = parseEnv(import.meta.env as Record<string, string | undefined>);
