/**
 * The editors' audit trail: who did what, when, through which door (the workspace, the API, the
 * CLI). Written after an action succeeds, read newest first in the workspace. It names editors
 * by their key's name and prefix, and what they acted on by id, never a reader's address. An
 * entry about a reader loses the reader's id when they are erased (`targetErased`), and the
 * erasure's own entry never names them.
 */
export type AuditEntry = {
  at: string;
  /** The key's name ("Ana Editor") and prefix (`dsp_AbCdEfGh`). */
  actor: string;
  keyPrefix: string;
  /** The route as matched ("POST /admin/issues/:id/send") or the CLI's command ("keys revoke"). */
  action: string;
  /** The id acted on (an issue, a subscriber, a key prefix), when the action has one. */
  target?: string;
  /** The target was a reader since erased: the entry says what was done, not to whom. */
  targetErased?: boolean;
  via: 'workspace' | 'api' | 'cli';
};

/** Whether an action's target is a reader (a route under `/subscribers/:id`). */
export const namesReader = (action: string) => /\/subscribers\/:id(\/|$)/.test(action);

/** The erasure itself: recorded without its target, whose id would otherwise outlive them. */
export const erasesReader = (action: string) =>
  /^DELETE \/api\/admin\/subscribers\/:id$|^POST \/admin\/subscribers\/:id\/erase$/.test(action);

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /** The newest entries first, up to `limit`, of the year before `now`. */
  recent(limit: number, now: Date): Promise<AuditEntry[]>;
}

/** What each action reads as in the workspace's list; an action not named here shows as matched. */
const phrases: Record<string, string> = {
  'POST /admin/sign-in': 'signed in',
  'POST /admin/sign-out': 'signed out',
  'POST /admin/issues': 'created an issue',
  'POST /admin/issues/:id/send': 'sent an issue',
  'POST /admin/issues/:id/schedule': 'scheduled an issue',
  'POST /admin/issues/:id/pause': 'paused an issue',
  'POST /admin/issues/:id/resume': 'resumed an issue',
  'POST /admin/issues/:id/cancel': 'cancelled an issue',
  'POST /admin/issues/:id/test': 'test-sent an issue',
  'POST /admin/issues/:id/ambiguous/:subscriber': 'decided on an ambiguous reader',
  'POST /admin/digests': 'started a digest',
  'POST /admin/subscribers': 'added a subscriber',
  'POST /admin/subscribers/:id/erase': 'erased a subscriber',
  'DELETE /admin/subscribers/:id': 'erased a subscriber',
  'POST /admin/suppressions': 'suppressed an address',
  'POST /admin/suppressions/remove': 'removed an address from the suppression list',
  'POST /admin/exports': 'exported the subscribers',
  'POST /admin/sending-hold/clear': 'cleared the sending hold',
  'DELETE /admin/sending-hold': 'cleared the sending hold',
  'POST /admin/images': 'uploaded an image',
  'keys create': 'created a key',
  'keys revoke': 'revoked a key',
};

export const describeAction = (action: string) =>
  phrases[action] ?? phrases[action.replace(/^(\w+) \/api\/admin/, '$1 /admin')] ?? action;
