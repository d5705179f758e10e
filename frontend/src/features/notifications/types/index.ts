/** `data.bot_name`/`data.bot_path` are set on a note about a bot: its message then reads "<name>: … (<path>)". */
export type Notification = {
  id: string;
  kind: string;
  message: string;
  created_at: string;
  read: boolean;
  bot_id?: string;
  data?: { bot_name?: string; bot_path?: string; [key: string]: unknown };
};
