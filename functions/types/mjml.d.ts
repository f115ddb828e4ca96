// mjml 5 ships no type declarations; this covers the one call we make.
declare module 'mjml' {
  type MjmlError = { line: number; message: string; tagName: string; formattedMessage?: string };
  type MjmlOptions = {
    validationLevel?: 'strict' | 'soft' | 'skip';
    filePath?: string;
    keepComments?: boolean;
    minify?: boolean;
    ignoreIncludes?: boolean;
    includePath?: string | string[];
  };
  export default function mjml2html(
    source: string,
    options?: MjmlOptions,
  ): Promise<{ html: string; errors: MjmlError[] }>;
}
