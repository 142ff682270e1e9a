import path from 'node:path';
import type { SyntaxOracle, SyntaxVerdict } from '../alembic/loading/project-model.js';
import type { DeclaredPython } from '../packaging/python-version.js';
import { onPath, realPath, runProgram, shebangPython } from '../project/programs.js';

/**
 * compile() of each source, never executed, in one process: -I (no PYTHON* variables, no user site,
 * no script folder on the path), -S (no site-packages: compile needs none) and -B (no bytecode
 * written). Prints the interpreter's version, then each verdict.
 */
const SCRIPT = [
  'import base64, json, sys, warnings',
  "warnings.simplefilter('ignore')",
  'req = json.load(sys.stdin)',
  'out = []',
  'for src, name in zip(req["sources"], req["paths"]):',
  '    try:',
  '        compile(base64.b64decode(src), name, "exec", dont_inherit=True)',
  '        out.append(None)',
  '    except SyntaxError as e:',
  '        out.append([type(e).__name__, e.msg, e.lineno or 0])',
  '    except (ValueError, UnicodeError) as e:',
  '        out.append([type(e).__name__, str(e), 0])',
  'json.dump({"version": list(sys.version_info[:3]), "verdicts": out}, sys.stdout)',
].join('\n');

/**
 * The Python that will import the migrations here (the `alembic` script's shebang, else `python` or
 * `python3` on PATH) as an oracle for the files the static reader cannot clear on its fast path.
 * Used only when it is the Python the project declares (the same minor version), or when none is
 * declared: another version's verdict is not the deploy's.
 */
export function pythonSyntaxOracle(
  env: Readonly<Record<string, string | undefined>>,
  declared: DeclaredPython | null | undefined,
): SyntaxOracle | undefined {
  const alembic = onPath('alembic', env);
  const python =
    (alembic ? shebangPython(alembic) : undefined) ?? onPath('python3', env) ?? onPath('python', env);
  if (!python) return undefined;
  // the minor version the binary is named for, when it is (python3 links to python3.11): known before any process runs
  const named = /^python3\.(\d+)$/u.exec(path.basename(realPath(python) ?? python));
  const minor = named ? Number(named[1]) : declared?.minor;
  if (declared && minor !== undefined && minor !== declared.minor) return undefined;
  return {
    key: `cpython-${python}-${minor ?? 'any'}`,
    compile(sources) {
      const input = JSON.stringify({
        sources: sources.map((s) => s.bytes.toString('base64')),
        paths: sources.map((s) => s.path),
      });
      const r = runProgram(python, ['-I', '-S', '-B', '-c', SCRIPT], {
        input,
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { PATH: env.PATH ?? '' },
      });
      if (r.status !== 0 || !r.stdout) return undefined;
      try {
        const doc = JSON.parse(r.stdout) as {
          version: [number, number, number];
          verdicts: ([string, string, number] | null)[];
        };
        if (
          doc.version[0] !== 3 ||
          (declared && doc.version[1] !== declared.minor) ||
          doc.verdicts.length !== sources.length
        )
          return undefined;
        return {
          minor: doc.version[1],
          verdicts: doc.verdicts.map((v): SyntaxVerdict | null =>
            v === null ? null : { exception: v[0], message: v[1], line: v[2] },
          ),
        };
      } catch {
        return undefined;
      }
    },
  };
}
