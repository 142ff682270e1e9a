import { fileChunks, pathExists } from '../project/machine-files.js';
import path from 'node:path';
import { LogScanner, type LogScanResult } from '../check/log-scanner.js';
import { UsageError } from '../errors/errors.js';

/** Streams a log file (or stdin for '-') through the scanner in 64 KiB chunks. */
export async function scanLogFile(
  file: string,
  cwd: string,
  stdin: AsyncIterable<Buffer | string> = process.stdin,
): Promise<{ result: LogScanResult; display: string }> {
  const scanner = new LogScanner();
  if (file === '-') {
    for await (const chunk of stdin) scanner.push(chunk);
    return { result: scanner.end(), display: '<stdin>' };
  }
  const abs = path.resolve(cwd, file);
  if (!pathExists(abs)) {
    throw new UsageError(`The log file ${file} does not exist.`, {
      hint: 'Save the log first, e.g. heroku releases:output -a APP > release.log',
    });
  }
  try {
    for await (const chunk of fileChunks(abs)) scanner.push(chunk);
  } catch (e) {
    throw new UsageError(
      `Cannot read the log file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
      { hint: 'Check that it is a readable file.' },
    );
  }
  return { result: scanner.end(), display: file };
}
