export interface Sample {
  readonly doc: string;
  readonly name: string;
  readonly what: string;
  readonly args: readonly string[];
  /** For a finding's page: the code whose lines the sample shows. */
  readonly finding?: string;
  /** A JSON sample: the whole document (true), or only these fields of it. */
  readonly json?: true | readonly string[];
}
export declare const SAMPLES: readonly Sample[];
export declare function renderSamples(
  doc: string,
  samples: readonly Sample[],
  outputOf: (sample: Sample) => string,
): string;
export declare function sampleOutput(sample: Sample): string;
export declare function findingLines(report: string, code: string): string;
