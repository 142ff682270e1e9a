export declare function renderCliDoc(
  doc: string,
  names: readonly string[],
  helpOf: (name: string) => string,
): string;
export declare function helpOf(name: string): string;
