import type { Publication } from '../../../core/publication.js';
import { AdminLayout } from '../layout.js';

export function SignInPage(props: { publication: Publication; error?: string }) {
  return (
    <AdminLayout publication={props.publication} title="Sign in">
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      <form method="post" action="/admin/sign-in" class="card">
        <label for="key">API key</label>
        <input
          id="key"
          type="password"
          name="key"
          autocomplete="current-password"
          required
          size={60}
        />
        <p>
          <button type="submit">Sign in</button>
        </p>
        <p>
          No key yet? Create one with{' '}
          <code>
            npm run keys -- create --name "Your name" --email you@example.org --role editor
          </code>
          .
        </p>
      </form>
    </AdminLayout>
  );
}
