/**
 * Whether an operation can fill a role of an endpoint: the fields the role's code reads or writes
 * are looked for in its messages as the endpoint's code is made (endpoint-data.ts), by the same
 * functions. `aes endpoint create` checks each operation chosen on the terminal with it, so that one
 * whose messages do not fit is refused and asked again at once, not after the last question. An
 * operation whose fields fit but are not clearly chosen fits: which field is asked afterwards.
 */
import type { OperationShape } from '../codegen/internal.js';
import type { EndpointPhase } from './endpoint-data.js';
import type { Role } from './endpoint.js';
import { FieldResolver, type FieldType } from './fields.js';
import { AmbiguousFieldError } from './candidates.js';
import { findIdField, findLookupAnswer, findPutList } from './mapping.js';
import { documentWiring, putWiring, recordWiring, requestIdWiring } from './wiring.js';
import type { WsdlOperations } from './wsdl-operations.js';

/** The shape of a message that is absent. */
const EMPTY: FieldType = { kind: 'object', fields: [] };

/**
 * Throws `ScaffoldError` (`SCAFFOLD_OPERATION`, naming the operation and its fields) when
 * `operation` cannot be the `role` of an endpoint of `phase` (outbound; undefined for inbound). An
 * operation the WSDL does not have passes: `portFor` names it.
 */
export function checkRoleOperation(
  w: WsdlOperations,
  role: Role,
  operation: string,
  phase: EndpointPhase | undefined,
): void {
  const found = w.ports.flatMap((p) => p.operations).find((o) => o.name === operation);
  if (found === undefined) return;
  const resolver = new FieldResolver(w.model.mapper);
  const type = (expr: OperationShape['input']): FieldType =>
    expr === undefined ? EMPTY : resolver.resolve(expr).type;
  const fits = (check: () => unknown): void => {
    try {
      check();
    } catch (err) {
      if (err instanceof AmbiguousFieldError && err.paths.some((p) => p !== 'none')) return;
      throw err;
    }
  };
  switch (role) {
    case 'pop':
    case 'popMany':
      fits(() => recordWiring(operation, type(found.output), {}, phase !== 'double'));
      return;
    case 'popped':
      fits(() =>
        requestIdWiring(operation, type(found.input), 'poppedIdField', undefined, undefined),
      );
      return;
    case 'build':
      fits(() =>
        requestIdWiring(operation, type(found.input), 'buildIdField', undefined, undefined),
      );
      fits(() => documentWiring(operation, type(found.output), undefined));
      return;
    case 'put':
      fits(() => putWiring(operation, type(found.input), {}));
      return;
    case 'putMany':
      findPutList(operation, type(found.input));
      return;
    case 'lookup':
      findIdField(operation, type(found.input));
      findLookupAnswer(operation, type(found.output));
      return;
  }
}
