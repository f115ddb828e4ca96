import type { Editor } from '../../../core/access/api-keys.js';

/** The keys' holders and their addresses, read-only: keys are made and revoked with the CLI. */
export function EditorList(props: { editors: Editor[]; me: string | undefined }) {
  return (
    <>
      <p>
        Everyone holding an active key, with the address their key carries: test sends go only to
        these. Keys are made and revoked with <code>npm run keys</code> (
        <code>create --name … --email … --role editor|viewer</code>, <code>revoke</code>); a key
        made before keys carried an address is not listed and cannot test-send.
      </p>
      {props.editors.length ? (
        <table data-testid="editors">
          <thead>
            <tr>
              <th>Name</th>
              <th>Address</th>
              <th>Role</th>
            </tr>
          </thead>
          <tbody>
            {props.editors.map((e) => (
              <tr>
                <td>
                  {e.name}
                  {e.email === props.me ? ' (you)' : ''}
                </td>
                <td>{e.email}</td>
                <td>{e.role === 'editor' ? 'editor (sends)' : 'viewer (reads)'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="card">
          No key carries an address yet: make one with{' '}
          <code>
            npm run keys -- create --name "Your name" --email you@example.org --role editor
          </code>
          .
        </p>
      )}
    </>
  );
}
