import { screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiError } from '@/testing/fake-fetch';
import { captureDownloads } from '@/testing/downloads';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import type { DeletionReport } from '../api/account';
import { AccountDeletedNotice, DeleteAccountForm } from './delete-account-form';
import { ExportDataForm } from './export-data-form';

const ZIP = 'PK\u0003\u0004 tradebot-export';
const zipAnswer = (headers: Record<string, string> = { 'Content-Disposition': 'attachment; filename="tradebot-export.zip"' }) => ({
  text: ZIP,
  headers: { 'Content-Type': 'application/zip', 'Cache-Control': 'no-store', ...headers },
});
const wrongPassword = apiError(422, 'wrong_password', 'The password is wrong.', [{ field: 'password', message: 'does not match' }]);
const throttled = apiError(429, 'too_many_attempts', 'Too many password attempts; try again later.', null, { 'Retry-After': '600' });

const report: DeletionReport = {
  deleted: true,
  bots_deleted: 3,
  positions_left: [{ bot_id: 'b-live', symbol: 'BTCUSDT', quantity: '0.00150000', mode: 'live' }],
  api_keys_deleted: 1,
  backtests_deleted: 2,
  notifications_deleted: 9,
  trades_deleted: 12,
  trades_retained: 4,
  trades_retained_until: '2027-03-01T10:00:00Z',
};

describe('export my data', () => {
  let capture: ReturnType<typeof captureDownloads>;
  beforeEach(() => {
    signIn();
    capture = captureDownloads();
  });
  afterEach(() => capture.restore());

  const exportForm = () => screen.getByRole('form', { name: 'Export my data' });

  it('posts the password asking for a zip and downloads it under the name the server gives', async () => {
    const server = fakeServer({ 'POST /api/v1/users/me/export': zipAnswer() });
    const { user } = renderWithProviders(<ExportDataForm />);
    await user.type(within(exportForm()).getByLabelText('Password'), 'my password');
    await user.click(screen.getByRole('button', { name: 'Export my data' }));

    expect(await screen.findByText('Your export was downloaded as tradebot-export.zip.')).toBeInTheDocument();
    const call = server.callsTo('POST', '/api/v1/users/me/export')[0]!;
    expect(call.body).toEqual({ password: 'my password' });
    expect(call.headers.get('Accept')).toBe('application/zip');
    expect(call.headers.get('Authorization')).toBe('Bearer test-access-token');
    expect(capture.downloads).toHaveLength(1);
    expect(capture.downloads[0]!.filename).toBe('tradebot-export.zip');
    expect(capture.downloads[0]!.attached).toBe(true);
    expect(await capture.downloads[0]!.blob!.text()).toBe(ZIP);
    expect(within(exportForm()).getByLabelText('Password')).toHaveValue('');
  });

  it('names the file tradebot-export.zip when the answer does not', async () => {
    fakeServer({ 'POST /api/v1/users/me/export': zipAnswer({}) });
    const { user } = renderWithProviders(<ExportDataForm />);
    await user.type(within(exportForm()).getByLabelText('Password'), 'my password');
    await user.click(screen.getByRole('button', { name: 'Export my data' }));
    await screen.findByText(/Your export was downloaded/);
    expect(capture.downloads.map((d) => d.filename)).toEqual(['tradebot-export.zip']);
  });

  it('asks for the password before sending anything', async () => {
    const server = fakeServer({});
    const { user } = renderWithProviders(<ExportDataForm />);
    await user.click(screen.getByRole('button', { name: 'Export my data' }));
    expect(within(exportForm()).getByLabelText('Password')).toHaveAccessibleDescription(/Enter your password/);
    expect(server.calls).toHaveLength(0);
  });

  it('shows a wrong password on the field, downloads nothing, and clears the error once the field is edited', async () => {
    fakeServer({ 'POST /api/v1/users/me/export': wrongPassword });
    const { user } = renderWithProviders(<ExportDataForm />);
    const field = within(exportForm()).getByLabelText('Password');
    await user.type(field, 'not it');
    await user.click(screen.getByRole('button', { name: 'Export my data' }));
    expect(await screen.findByText('Wrong password. Check it and try again.')).toBeInTheDocument();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveAccessibleDescription(/Wrong password\. Check it and try again\./);
    expect(capture.downloads).toHaveLength(0);
    await user.type(field, '!');
    expect(field).toHaveAttribute('aria-invalid', 'false');
  });

  it('says how long to wait when throttled', async () => {
    fakeServer({ 'POST /api/v1/users/me/export': throttled });
    const { user } = renderWithProviders(<ExportDataForm />);
    await user.type(within(exportForm()).getByLabelText('Password'), 'guess');
    await user.click(screen.getByRole('button', { name: 'Export my data' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many password attempts. Wait 10 minutes and try again.');
    expect(capture.downloads).toHaveLength(0);
  });

  it("shows the server's words when the archive is too large", async () => {
    fakeServer({
      'POST /api/v1/users/me/export': apiError(413, 'export_too_large', 'The archive would be 6 MB, more than the 4 MB one answer can carry; delete old backtests (their results are the bulk) and try again.', { size: 6_000_000, limit: 4_500_000 }),
    });
    const { user } = renderWithProviders(<ExportDataForm />);
    await user.type(within(exportForm()).getByLabelText('Password'), 'my password');
    await user.click(screen.getByRole('button', { name: 'Export my data' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('delete old backtests');
  });
});

describe('delete account', () => {
  beforeEach(() => signIn());
  const deleteForm = () => screen.getByRole('form', { name: 'Delete account' });
  const button = () => screen.getByRole('button', { name: 'Delete my account permanently' });

  it('says what is deleted and what is kept, and lists the live positions that will stay open', () => {
    fakeServer({});
    renderWithProviders(
      <DeleteAccountForm livePositions={[{ botId: 'b-live', botName: 'BTC trend', symbol: 'BTCUSDT', quantity: '0.0015' }]} onDeleted={vi.fn()} />,
    );
    expect(deleteForm()).toHaveTextContent('Live trades are kept for 365 days');
    expect(deleteForm()).toHaveTextContent(/Live positions are not closed/);
    const warning = screen.getByRole('status');
    expect(warning).toHaveTextContent('This live bot holds a position that will stay open on the exchange');
    expect(within(warning).getByRole('link', { name: 'BTC trend' })).toHaveAttribute('href', '/bots/b-live');
    expect(warning).toHaveTextContent('0.0015 BTCUSDT');
  });

  it('keeps the button disabled until DELETE is typed exactly, and sends nothing before', async () => {
    const server = fakeServer({ 'DELETE /api/v1/users/me': { body: report } });
    const onDeleted = vi.fn();
    const { user } = renderWithProviders(<DeleteAccountForm onDeleted={onDeleted} />);
    await user.type(within(deleteForm()).getByLabelText('Password'), 'my password');
    expect(button()).toBeDisabled();
    const confirm = within(deleteForm()).getByLabelText('Type DELETE to confirm');
    await user.type(confirm, 'delete');
    expect(button()).toBeDisabled();
    await user.clear(confirm);
    await user.type(confirm, 'DELETE ');
    expect(button()).toBeDisabled();
    // Enter in a field submits the form even with the button disabled: the schema still refuses.
    await user.type(confirm, '{Enter}');
    expect(confirm).toHaveAccessibleDescription(/Type DELETE in capital letters/);
    expect(server.calls).toHaveLength(0);
    expect(onDeleted).not.toHaveBeenCalled();

    await user.clear(confirm);
    await user.type(confirm, 'DELETE');
    expect(button()).toBeEnabled();
  });

  it('sends the password and DELETE, then hands the report over', async () => {
    const server = fakeServer({ 'DELETE /api/v1/users/me': { body: report } });
    const onDeleted = vi.fn();
    const { user } = renderWithProviders(<DeleteAccountForm onDeleted={onDeleted} />);
    await user.type(within(deleteForm()).getByLabelText('Password'), 'my password');
    await user.type(within(deleteForm()).getByLabelText('Type DELETE to confirm'), 'DELETE');
    await user.click(button());
    await vi.waitFor(() => expect(onDeleted).toHaveBeenCalledWith(report));
    const call = server.callsTo('DELETE', '/api/v1/users/me')[0]!;
    expect(call.body).toEqual({ password: 'my password', confirm: 'DELETE' });
    expect(call.headers.get('Authorization')).toBe('Bearer test-access-token');
  });

  it('shows a wrong password on the field and deletes nothing', async () => {
    fakeServer({ 'DELETE /api/v1/users/me': wrongPassword });
    const onDeleted = vi.fn();
    const { user } = renderWithProviders(<DeleteAccountForm onDeleted={onDeleted} />);
    const field = within(deleteForm()).getByLabelText('Password');
    await user.type(field, 'not it');
    await user.type(within(deleteForm()).getByLabelText('Type DELETE to confirm'), 'DELETE');
    await user.click(button());
    expect(await screen.findByText('Wrong password. Check it and try again.')).toBeInTheDocument();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveAccessibleDescription(/Wrong password/);
    expect(onDeleted).not.toHaveBeenCalled();
  });

  it('says how long to wait when throttled', async () => {
    fakeServer({ 'DELETE /api/v1/users/me': apiError(429, 'too_many_attempts', 'Too many password attempts; try again later.', null, { 'Retry-After': '45' }) });
    const onDeleted = vi.fn();
    const { user } = renderWithProviders(<DeleteAccountForm onDeleted={onDeleted} />);
    await user.type(within(deleteForm()).getByLabelText('Password'), 'guess');
    await user.type(within(deleteForm()).getByLabelText('Type DELETE to confirm'), 'DELETE');
    await user.click(button());
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many password attempts. Wait 45 seconds and try again.');
    expect(onDeleted).not.toHaveBeenCalled();
  });

  it('reports the deletion: retained live trades and the positions left open', () => {
    renderWithProviders(<AccountDeletedNotice report={report} />);
    const notice = screen.getByRole('status');
    expect(notice).toHaveTextContent('Your account was deleted.');
    expect(notice).toHaveTextContent('4 live trades are kept for audit until 2027-03-01, then deleted.');
    expect(within(screen.getByRole('list', { name: 'Positions left open' })).getByRole('listitem')).toHaveTextContent('0.0015 BTCUSDT (bot b-live)');
  });

  it('reports a deletion with nothing left open', () => {
    renderWithProviders(<AccountDeletedNotice report={{ ...report, positions_left: [], trades_retained: 0, trades_retained_until: null }} />);
    expect(screen.getByRole('status')).toHaveTextContent('Your account was deleted. You have been signed out.');
    expect(screen.queryByRole('list')).not.toBeInTheDocument();
  });
});
