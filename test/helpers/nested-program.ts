/** A random program of compound statements, nested up to `depth`, the kinds CPython counts and the kinds it does not. */
export function nestedProgram(next: () => number, depth: number): string {
  const out: string[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const block = (indent: number, level: number, inAsync: boolean): void => {
    const pad = '    '.repeat(indent);
    if (level >= depth || next() < 0.03) {
      out.push(`${pad}pass`);
      return;
    }
    const kind = pick([
      'for',
      'while',
      'with',
      'with2',
      'withp',
      'try-except',
      'try-finally',
      'try-both',
      'try-else',
      'if',
      'for-else',
      'def',
      'async-def',
      'class',
      'async-for',
      'handler',
    ]);
    const inner = (): void => block(indent + 1, level + 1, inAsync || kind === 'async-def');
    switch (kind) {
      case 'for':
        out.push(`${pad}for x${level} in y:`);
        inner();
        break;
      case 'while':
        out.push(`${pad}while x:`);
        inner();
        break;
      case 'with':
        out.push(`${pad}with a:`);
        inner();
        break;
      case 'with2':
        out.push(`${pad}with a as b, c:`);
        inner();
        break;
      case 'withp':
        out.push(`${pad}with (a, b):`);
        inner();
        break;
      case 'try-except':
        out.push(`${pad}try:`);
        inner();
        out.push(`${pad}except E:`, `${pad}    pass`);
        break;
      case 'handler':
        out.push(`${pad}try:`, `${pad}    pass`, `${pad}except E as e:`);
        inner();
        break;
      case 'try-finally':
        out.push(`${pad}try:`, `${pad}    pass`, `${pad}finally:`);
        inner();
        break;
      case 'try-both':
        out.push(`${pad}try:`, `${pad}    pass`, `${pad}except E:`);
        inner();
        out.push(`${pad}finally:`, `${pad}    pass`);
        break;
      case 'try-else':
        out.push(`${pad}try:`, `${pad}    pass`, `${pad}except E:`, `${pad}    pass`, `${pad}else:`);
        inner();
        break;
      case 'if':
        out.push(`${pad}if x:`);
        inner();
        break;
      case 'for-else':
        out.push(`${pad}for z in y:`, `${pad}    pass`, `${pad}else:`);
        inner();
        break;
      case 'def':
        out.push(`${pad}def f${level}():`);
        inner();
        break;
      case 'async-def':
        out.push(`${pad}async def g${level}():`);
        inner();
        break;
      case 'class':
        out.push(`${pad}class C${level}:`);
        inner();
        break;
      case 'async-for':
        if (!inAsync) {
          out.push(`${pad}for w in y:`);
          inner();
          break;
        }
        out.push(`${pad}async for x${level} in y:`);
        inner();
        break;
    }
  };
  block(0, 0, false);
  return out.join('\n') + '\n';
}
