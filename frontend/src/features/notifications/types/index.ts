export type Notification = { id: string; kind: string; message: string; created_at: string; read: boolean; bot_id?: string };
