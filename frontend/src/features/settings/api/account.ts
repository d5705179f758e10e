import { useMutation } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { saveBlob } from '@/lib/download';

/** The name used when the server's answer does not name the file. */
export const DEFAULT_EXPORT_FILENAME = 'tradebot-export.zip';

/** The word `DELETE /users/me` wants in `confirm`. */
export const DELETE_CONFIRMATION = 'DELETE';

/** A live bot's position left open on the exchange by the deletion (it is in the user's own account). */
export type PositionLeft = { bot_id: string; symbol: string; quantity: string; mode: string };

/** The answer of `DELETE /users/me` (chalicelib/api/schemas/account.py: DeletionOut). */
export type DeletionReport = {
  deleted: boolean;
  bots_deleted: number;
  positions_left: PositionLeft[];
  api_keys_deleted: number;
  backtests_deleted: number;
  notifications_deleted: number;
  trades_deleted: number;
  /** Live trades kept for audit until `trades_retained_until`, then deleted. */
  trades_retained: number;
  trades_retained_until: string | null;
};

/** `POST /users/me/export`: a zip of everything of the account, confirmed with the current password. */
export async function exportAccount(password: string): Promise<{ filename: string }> {
  const file = await api.download('/users/me/export', { method: 'POST', body: { password }, accept: 'application/zip' });
  const filename = file.filename ?? DEFAULT_EXPORT_FILENAME;
  saveBlob(file.blob, filename);
  return { filename };
}

export const deleteAccount = (input: { password: string; confirm: string }) =>
  api.delete<DeletionReport>('/users/me', { body: input });

export const useExportAccount = () => useMutation({ mutationFn: exportAccount });

export const useDeleteAccount = () => useMutation({ mutationFn: deleteAccount });
