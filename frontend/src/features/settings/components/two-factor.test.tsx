import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { apiError } from '@/testing/fake-fetch';
import { fakeServer, renderWithProviders, signIn } from '@/testing/test-utils';
import { ChangePasswordForm } from './change-password-form';
import { describeAgent, SessionsList } from './sessions-list';
import { TwoFactorSettings } from './two-factor';

const QR = 'data:image/svg+xml;charset=utf-8,%3Csvg%3E%3C%2Fsvg%3E';
const enrolment = { secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/Tradebot:a%40example.com?secret=JBSWY3DPEHPK3PXP', qr_svg: QR };
const codes = Array.from({ length: 10 }, (_, i) => `aaaa-bbbb-cccc-dd${String(i).padStart(2, '0')}`);

describe('two-factor settings', () => {
  it('turns two-factor on: password, QR code and key, first code, recovery codes shown once', async () => {
    signIn();
    let enabled = false;
    const server = fakeServer({
      'GET /api/v1/users/me/mfa': () => ({ body: { enabled, pending: false, recovery_codes_left: enabled ? 10 : 0 } }),
      'POST /api/v1/users/me/mfa': { status: 201, body: enrolment },
      'POST /api/v1/users/me/mfa/confirm': () => {
        enabled = true;
        return { body: { recovery_codes: codes } };
      },
      'GET /api/v1/users/me': { body: { id: 'u1', email: 'a@example.com', created_at: '2026-01-01T00:00:00Z', mfa_enabled: true } },
    });
    const { user } = renderWithProviders(<TwoFactorSettings />);
    await user.type(await screen.findByLabelText('Password'), 'my password');
    await user.click(screen.getByRole('button', { name: 'Turn on two-factor sign-in' }));
    expect(await screen.findByRole('img', { name: 'QR code of your two-factor secret' })).toHaveAttribute('src', QR);
    expect(screen.getByTestId('mfa-secret')).toHaveTextContent(enrolment.secret);
    expect(server.callsTo('POST', '/api/v1/users/me/mfa')[0]!.body).toEqual({ password: 'my password' });

    await user.type(screen.getByLabelText('Authentication code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Confirm' }));
    const list = await screen.findByRole('region', { name: 'Recovery codes' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual(codes);
    expect(server.callsTo('POST', '/api/v1/users/me/mfa/confirm')[0]!.body).toEqual({ code: '123456' });

    await user.click(screen.getByRole('button', { name: 'I saved them' }));
    expect(await screen.findByText(/Two-factor sign-in is on\. 10 recovery codes left\./)).toBeInTheDocument();
    expect(screen.queryByText(codes[0]!)).not.toBeInTheDocument();
    expect(screen.queryByText(enrolment.secret)).not.toBeInTheDocument();
  });

  it('puts a wrong password on the field and a wrong first code on the code field', async () => {
    signIn();
    let enrolAnswer = apiError(422, 'wrong_password', 'The password is wrong.', [{ field: 'password', message: 'does not match' }]);
    fakeServer({
      'GET /api/v1/users/me/mfa': { body: { enabled: false, pending: false, recovery_codes_left: 0 } },
      'POST /api/v1/users/me/mfa': () => enrolAnswer,
      'POST /api/v1/users/me/mfa/confirm': apiError(422, 'invalid_mfa_code', 'The code is wrong.', [{ field: 'code', message: 'wrong or already used' }]),
    });
    const { user } = renderWithProviders(<TwoFactorSettings />);
    await user.type(await screen.findByLabelText('Password'), 'nope');
    await user.click(screen.getByRole('button', { name: 'Turn on two-factor sign-in' }));
    expect(await screen.findByText('Wrong password. Check it and try again.')).toBeInTheDocument();
    enrolAnswer = { status: 201, body: enrolment };
    await user.type(screen.getByLabelText('Password'), '!');
    await user.click(screen.getByRole('button', { name: 'Turn on two-factor sign-in' }));
    await user.type(await screen.findByLabelText('Authentication code'), '000000');
    await user.click(screen.getByRole('button', { name: 'Confirm' }));
    expect(await screen.findByText('wrong or already used')).toBeInTheDocument();
  });

  it('turns two-factor off with a code or with a recovery code', async () => {
    signIn();
    const server = fakeServer({
      'GET /api/v1/users/me/mfa': { body: { enabled: true, pending: false, recovery_codes_left: 1 } },
      'DELETE /api/v1/users/me/mfa': { status: 204 },
      'GET /api/v1/users/me': { body: { id: 'u1', email: 'a@example.com', created_at: '2026-01-01T00:00:00Z' } },
    });
    const { user } = renderWithProviders(<TwoFactorSettings />);
    expect(await screen.findByText(/1 recovery code left/)).toBeInTheDocument();
    await user.type(screen.getByLabelText('Authentication code'), '654321');
    await user.click(screen.getByRole('button', { name: 'Turn off two-factor sign-in' }));
    await user.click(screen.getByRole('button', { name: 'Use a recovery code' }));
    await user.type(screen.getByLabelText('Recovery code'), 'abcd-efgh-jkmn-pqrs');
    await user.click(screen.getByRole('button', { name: 'Turn off two-factor sign-in' }));
    const bodies = server.callsTo('DELETE', '/api/v1/users/me/mfa').map((c) => c.body);
    expect(bodies).toEqual([{ code: '654321' }, { recovery_code: 'abcd-efgh-jkmn-pqrs' }]);
  });

  it('asks for a code with the password change when two-factor is on', async () => {
    signIn();
    const server = fakeServer({
      'PATCH /api/v1/users/me': { body: { id: 'u1', email: 'a@example.com', created_at: '2026-01-01T00:00:00Z', access_token: 't2', expires_in: 900 } },
    });
    const { user } = renderWithProviders(<ChangePasswordForm mfaEnabled />);
    await user.type(screen.getByLabelText('Current password'), 'old-password');
    await user.type(screen.getByLabelText('New password'), 'new-password-1');
    await user.type(screen.getByLabelText('Repeat new password'), 'new-password-1');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(server.calls).toHaveLength(0);
    await user.type(screen.getByLabelText('Authentication code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(await screen.findByText('Password changed.')).toBeInTheDocument();
    expect(server.calls[0]!.body).toEqual({ current_password: 'old-password', new_password: 'new-password-1', mfa_code: '123456' });
  });
});

describe('sessions', () => {
  const laptop = 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/140.0';
  const phone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Version/18.0 Mobile/15E148 Safari/604.1';

  it('lists the signed-in devices and signs one out', async () => {
    signIn();
    let items = [
      { id: 'fam-1', created_at: '2026-01-01T00:00:00Z', last_used_at: '2026-01-02T00:00:00Z', expires_at: '2026-01-31T00:00:00Z', user_agent: laptop },
      { id: 'fam-2', created_at: '2026-01-01T01:00:00Z', last_used_at: '2026-01-01T02:00:00Z', expires_at: '2026-01-31T00:00:00Z', user_agent: phone },
    ];
    const server = fakeServer({
      'GET /api/v1/users/me/sessions': () => ({ body: { items } }),
      'DELETE /api/v1/users/me/sessions/:id': (req) => {
        items = items.filter((s) => s.id !== req.params.id);
        return { status: 204 };
      },
    });
    const { user } = renderWithProviders(<SessionsList />);
    const table = await screen.findByRole('table', { name: 'Signed-in devices' });
    expect(within(table).getByText('Firefox on Linux')).toBeInTheDocument();
    const phoneRow = within(table).getByText('Safari on iPhone').closest('tr')!;
    await user.click(within(phoneRow).getByRole('button', { name: /^End the session of Safari on iPhone/ }));
    await vi.waitFor(() => expect(screen.queryByText('Safari on iPhone')).not.toBeInTheDocument());
    expect(server.callsTo('DELETE', '/api/v1/users/me/sessions/fam-2')).toHaveLength(1);
  });

  it('names devices from their user agent', () => {
    expect(describeAgent('')).toBe('Unknown device');
    expect(describeAgent('curl/8.5.0')).toBe('curl/8.5.0');
    expect(describeAgent('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/140.0 Safari/537.36 Edg/140.0')).toBe('Edge on Windows');
  });
});
