import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { lintFinding } from '../lint/lint-context.js';

/** `op.execute(sql, {params})`: op.execute has no parameters argument. */
export const executeWithParamsArgument: Rule = {
  code: 'execute-with-params-argument',
  severity: 'error',
  kind: 'lint',
  title: 'op.execute is given bind parameters',
  summary: 'op.execute(text, params): op.execute takes no bind parameters; use sa.text(...).bindparams(...).',
  check({ lint }) {
    const out: Finding[] = [];
    if (!lint) return out;
    out.push(
      ...lint.newFileFindings(
        this.code,
        () => '',
        [(text) => lint.tokenTests(text).executeMayTakeParams],
        (file, py) => {
          const found: Finding[] = [];
          for (const call of py.calls(py.top)) {
            const callee = py.callee(call);
            if (callee !== 'op.execute' && !/^batch(_op)?\.execute$/.test(callee)) continue;
            const { positional, keywords } = py.args(call);
            const extra = [...keywords.keys()].filter((k) => k !== 'execution_options' && k !== 'sqltext');
            if (positional.length < 2 && extra.length === 0) continue;
            const params = positional[1] ? py.of(positional[1]) : `${extra[0]}=…`;
            found.push(
              lintFinding(
                this.code,
                this.severity,
                file,
                py,
                call,
                `${callee}(…, ${params.length > 40 ? params.slice(0, 37) + '…' : params}) passes bind parameters to op.execute, whose only other argument is execution_options. Current Alembic raises "TypeError: execute() takes 2 positional arguments but 3 were given" during the deploy; older releases take the dict as execution_options and the statement then fails for lack of its :parameters.`,
                `op.execute(sa.text("UPDATE t SET x = :x WHERE id = :id").bindparams(x=1, id=2)), or run it on the connection: op.get_bind().execute(sa.text(...), {"x": 1, "id": 2}).`,
              ),
            );
          }
          return found;
        },
      ),
    );
    return out;
  },
};
