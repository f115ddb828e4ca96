import type { ApiKeyRecord, Editor } from '../../../core/access/api-keys.js';
import { MAX_TEST_RECIPIENTS } from '../../../core/issues/preview.js';
import { Csrf } from '../layout.js';

/** Who may receive a test: the keys' holders; and who is sending it (their own is the default). */
export type TestSending = { editors: Editor[]; sender: ApiKeyRecord };

/** The test-send form: a choice among the editors' own addresses, never a free address. */
export function TestSendForm(props: TestSending & { issueId: string; csrf: string }) {
  const { editors, sender } = props;
  if (!sender.email)
    return (
      <p class="card" data-testid="test-send">
        Your key carries no address of its own, so it cannot test-send: ask for a new key, made with{' '}
        <code>npm run keys -- create --email</code>. <a href="/admin/editors">Editors</a>
      </p>
    );
  return (
    <form method="post" action={`/admin/issues/${props.issueId}/test`} class="card">
      <Csrf token={props.csrf} />
      <label for="to">Test-send to (editors' own addresses, up to {MAX_TEST_RECIPIENTS})</label>
      <select
        id="to"
        name="to"
        multiple
        size={Math.max(2, Math.min(MAX_TEST_RECIPIENTS, editors.length))}
        aria-describedby="to-hint"
      >
        {editors.map((e) => (
          <option value={e.email} selected={e.email === sender.email}>
            {e.name} &lt;{e.email}&gt;
          </option>
        ))}
      </select>
      <p id="to-hint">
        <small>
          Yours is chosen; Ctrl- or ⌘-click to add others. Tests go only to the addresses of the
          workspace's keys (<a href="/admin/editors">Editors</a>), never to a suppressed one.
        </small>
      </p>
      <button type="submit">Send test</button>
    </form>
  );
}
