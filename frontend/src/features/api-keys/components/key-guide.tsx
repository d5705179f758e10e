export function KeyGuide() {
  return (
    <details className="card guide" open>
      <summary>How to create a Binance key with withdrawals disabled</summary>
      <ol>
        <li>
          On binance.com open <strong>Account → API Management</strong> and choose <strong>Create API</strong> (system generated).
        </li>
        <li>
          Under <strong>API restrictions</strong> keep <em>Enable Reading</em> and tick <em>Enable Spot &amp; Margin Trading</em>.
        </li>
        <li>
          Leave <strong>Enable Withdrawals unticked</strong>. Keys that can withdraw are refused here: the platform never needs to move funds off
          the exchange.
        </li>
        <li>Optionally restrict the key to trusted IPs.</li>
        <li>Copy the API key and the secret key (shown once) into the form below. The secret is encrypted and never shown again.</li>
      </ol>
      <p className="muted">
        Testnet keys come from testnet.binance.vision; the testnet has no withdrawal permission to check, so only the key and spot trading are
        verified there.
      </p>
    </details>
  );
}
