/**
 * The dictionary keys of the refinery catalogue's texts (@aip/workflows REFINERY_ALGORITHMS): an
 * algorithm's title, description and format reason, a parameter's title and help. A help that
 * differs between algorithms (each algorithm's `epochs`) has a key per algorithm, tried first.
 */
export const algorithmKeys = (id: string) => ({
  title: `refinery.algorithm.${id}.title`,
  description: `refinery.algorithm.${id}.description`,
  formatReason: `refinery.formatReason.${id}`,
});

export const paramTitleKey = (name: string) => `refinery.param.${name}.title`;

/** The keys of a parameter's help, most specific first. */
export const paramHelpKeys = (algorithmId: string, name: string) => [`refinery.param.${algorithmId}.${name}.help`, `refinery.param.${name}.help`];
