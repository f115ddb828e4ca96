/** The text column of every email: MJML's 600 px body less the 24 px padding on each side. */
export const EMAIL_COLUMN_PX = 552;

/**
 * An article's images made to fit the email's column. The web page's stylesheet scales them; an
 * email has only what each tag carries (the head's `img {max-width:100%}` is dropped by some
 * clients), so a 1600 px photo made the whole email 1648 px wide on a phone. Each image gets the
 * inline style that scales it down, and a `width` over the column (which Outlook, ignoring
 * max-width, would honour) is brought to the column, its height left to the ratio.
 */
export function emailSafeImages(html: string): string {
  return html.replace(/<img\b([^>]*?)\s*\/?>/gi, (_tag, attributes: string) => {
    let rest = attributes.replace(/\sstyle\s*=\s*("[^"]*"|'[^']*')/i, '');
    const width = /\swidth\s*=\s*["']?(\d+)/i.exec(rest);
    if (width && Number(width[1]) > EMAIL_COLUMN_PX)
      rest = rest
        .replace(/\swidth\s*=\s*("[^"]*"|'[^']*'|\d+)/i, ` width="${EMAIL_COLUMN_PX}"`)
        .replace(/\sheight\s*=\s*("[^"]*"|'[^']*'|\d+)/i, '');
    const own = /\sstyle\s*=\s*"([^"]*)"/i.exec(attributes)?.[1];
    const style = `${own ? `${own.replace(/;?\s*$/, ';')}` : ''}display:block;max-width:100%;height:auto`;
    return `<img${rest} style="${style}" />`;
  });
}
