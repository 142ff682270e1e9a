/** What the bundle's loader knows of the build: its key (results cached by one build are not another's). */
export interface BuildInfo {
  readonly key?: string;
  /** The folder the bundle is installed in (its result cache's secret is kept there). */
  readonly dir?: string;
}
