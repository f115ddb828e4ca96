import type { ImageSize } from './images/image-type.js';
import type { FieldDefinition } from './subscribers/fields.js';

/** Who sends, and to whom the footer says the mail belongs. Comes from configuration. */
export type Publication = {
  name: string;
  /** Public origin of the web app, without trailing slash: links in emails point here. */
  baseUrl: string;
  fromName: string;
  fromAddress: string;
  replyTo?: string;
  /** Postal address printed in every footer (CAN-SPAM, and readers' trust). */
  postalAddress: string;
  /** RFC 2919 list identifier, e.g. `news.example.com`. */
  listId: string;
  topics: readonly Topic[];
  /** Readers' custom fields (`content/fields.json`); none when absent. */
  fields?: readonly FieldDefinition[];
  /**
   * content/images/'s files and their pixel sizes: a workspace article's `images/map.png` is
   * checked against them and sized from them, as a content/ file's is. None when absent.
   */
  contentImages?: ReadonlyMap<string, ImageSize>;
  /** Set when signups need a CAPTCHA (Cloudflare Turnstile): the forms show its widget with this public key. */
  captchaSiteKey?: string;
};

export type Topic = { id: string; label: string; description?: string };
