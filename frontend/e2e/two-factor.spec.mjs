// Two-factor sign-in end to end (issue 16): turn it on in Settings with a code computed here from the key the
// page shows (RFC 6238, as an authenticator app would), sign out, sign in with the password and a code, see
// the sessions list. Screenshots of the QR step, the recovery codes, the code step of sign-in and Settings.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertAccessible, launch, newPage, screenshot, signUp, uniqueEmail } from './support.mjs';

const PASSWORD = 'correct-horse-battery-9';
const STEP_MS = 30_000;

function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The 6-digit TOTP code of `secret` at `atMs` (HMAC-SHA1, 30-second steps). */
export function totp(secret, atMs = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / STEP_MS)));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** A code is accepted once: wait for the next 30-second step before using another. */
async function nextStep(afterMs) {
  const next = (Math.floor(afterMs / STEP_MS) + 1) * STEP_MS;
  await sleep(Math.max(0, next - Date.now()) + 200);
}

describe('two-factor sign-in', () => {
  let browser;
  let page;
  let secret;
  let usedAt;
  const email = uniqueEmail();

  before(async () => {
    browser = await launch();
    ({ page } = await newPage(browser));
  });
  after(async () => browser?.close());

  it('turns two-factor sign-in on in Settings: QR code, first code, recovery codes once', async () => {
    await signUp(page, email, PASSWORD);
    await page.goto('/settings');
    const card = page.getByRole('form', { name: 'Turn on two-factor sign-in' });
    await card.getByLabel('Password').fill(PASSWORD);
    await card.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await page.getByRole('img', { name: 'QR code of your two-factor secret' }).waitFor();
    secret = (await page.getByTestId('mfa-secret').innerText()).trim();
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    await screenshot(page, '11-settings-two-factor-qr');
    await assertAccessible(page, 'settings two-factor enrolment');
    usedAt = Date.now();
    await page.getByLabel('Authentication code').fill(totp(secret, usedAt));
    await page.getByRole('button', { name: 'Confirm' }).click();
    const codes = page.getByRole('region', { name: 'Recovery codes' });
    await codes.waitFor();
    assert.equal(await codes.getByRole('listitem').count(), 10);
    await screenshot(page, '12-settings-recovery-codes');
    await page.getByRole('button', { name: 'I saved them' }).click();
    await page.getByText(/Two-factor sign-in is on\. 10 recovery codes left/).waitFor();
    await page.getByRole('table', { name: 'Signed-in devices' }).getByRole('row').nth(1).waitFor();
    await screenshot(page, '13-settings-two-factor-on');
    await assertAccessible(page, 'settings with two-factor on');
  });

  it('signs in with the password and then a code', async () => {
    assert.ok(secret, 'the previous step turned two-factor sign-in on');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.goto('/login'); // no redirect back to Settings: the dashboard shows the sign-in worked
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('form', { name: 'Two-factor code' }).waitFor();
    await screenshot(page, '14-login-code-step');
    await assertAccessible(page, 'sign-in code step');
    // The code that confirmed the enrolment is spent: the same one is refused.
    await page.getByLabel('Authentication code').fill(totp(secret, usedAt));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('Wrong or already used code. Try the next one.').waitFor();
    await nextStep(usedAt);
    await page.getByLabel('Authentication code').fill(totp(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });
});
