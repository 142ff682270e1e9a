import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { skipHelpCache } from '../../src/cli/skip-help-cache.js';

/** How many times yargs laid out the help text while running `run`, counted on its own usage object. */
async function helpLayouts(
  builder: (y: ReturnType<typeof yargs>) => ReturnType<typeof yargs>,
  argv: string[],
): Promise<number> {
  let layouts = 0;
  const parser = yargs(argv)
    .option('a-flag', { type: 'string', describe: 'some words to lay out' })
    .command(
      'run',
      'run it',
      (y) => {
        const usage = (y as unknown as { getInternalMethods(): { getUsageInstance(): { help(): string } } })
          .getInternalMethods()
          .getUsageInstance();
        const help = usage.help.bind(usage);
        usage.help = () => {
          layouts += 1;
          return help();
        };
        return builder(y);
      },
      async () => {},
    );
  await parser.exitProcess(false).parseAsync();
  return layouts;
}

describe('skipHelpCache', () => {
  it("keeps yargs from laying out a command's help before running its handler", async () => {
    // the control: yargs itself lays it out once per command run, which is what is being removed
    expect(await helpLayouts((y) => y, ['run'])).toBe(1);
    expect(await helpLayouts(skipHelpCache, ['run'])).toBe(0);
  });

  it('still lays out the help when --help asks for it', async () => {
    const log = console.log;
    console.log = () => {};
    try {
      expect(await helpLayouts(skipHelpCache, ['run', '--help'])).toBe(1);
    } finally {
      console.log = log;
    }
  });
});
