// citation-js ships no type declarations: the part of its API papermap uses
declare module '@citation-js/core' {
  export const plugins: {
    input: {
      /** Parses `data` as `forceType` and converts it step by step to `target` (a type name such as '@csl/list+object'). */
      chain(data: unknown, options: { forceType?: string; target?: string; generateGraph?: boolean }): unknown;
    };
  };
}
declare module '@citation-js/plugin-bibtex';
declare module '@citation-js/plugin-ris';
