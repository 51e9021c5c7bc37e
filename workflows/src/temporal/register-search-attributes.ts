/**
 * Registers AIP's search attributes in a namespace (idempotent): the API and the workers call it
 * at start, before any workflow can use them. Not workflow code (the bundle never imports it).
 */
import { AIP_SEARCH_ATTRIBUTES } from './search-attributes.ts';

/** `temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD`. */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

/** gRPC status codes that say "this caller may not manage search attributes here" (Temporal Cloud). */
const NOT_ALLOWED = new Set([7 /* PERMISSION_DENIED */, 12 /* UNIMPLEMENTED */]);

/** What a client `Connection` and a worker `NativeConnection` both have. */
export interface OperatorConnection {
  operatorService: {
    listSearchAttributes(request: { namespace: string }): Promise<{ customAttributes?: Record<string, number> | null }>;
    addSearchAttributes(request: { namespace: string; searchAttributes: Record<string, number> }): Promise<unknown>;
  };
}

export interface SearchAttributesLogger {
  warn(message: string): void;
}

/** The command an operator runs to create them by hand. */
export function searchAttributeCommand(namespace: string): string {
  const names = AIP_SEARCH_ATTRIBUTES.map((key) => `--name ${key.name}`).join(' ');
  return `temporal operator search-attribute create --namespace ${namespace} ${names} --type Keyword`;
}

function grpcCode(error: unknown): number | undefined {
  for (let e: unknown = error; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/**
 * Makes sure every AIP search attribute exists in `namespace` (adds the missing ones). Resolves
 * true when they all exist. Where the operator API is not allowed (Temporal Cloud), logs one
 * warning with the command that creates them and resolves false: AIP then starts runs without
 * search attributes. Other errors (Temporal unreachable, no such namespace) are thrown.
 */
export async function ensureSearchAttributes(
  connection: OperatorConnection,
  namespace: string,
  logger: SearchAttributesLogger = console,
): Promise<boolean> {
  const missing = async () => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    return AIP_SEARCH_ATTRIBUTES.filter((key) => customAttributes?.[key.name] === undefined);
  };
  try {
    const absent = await missing();
    if (absent.length === 0) return true;
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(absent.map((key) => [key.name, INDEXED_VALUE_TYPE_KEYWORD])),
      });
    } catch (error) {
      // Another process (an API replica, a worker) registered them at the same moment.
      if ((await missing()).length === 0) return true;
      throw error;
    }
    const still = await missing();
    if (still.length > 0) throw new Error(`Temporal did not register the search attributes ${still.map((key) => key.name).join(', ')} in namespace ${namespace}`);
    return true;
  } catch (error) {
    if (!NOT_ALLOWED.has(grpcCode(error) ?? -1)) throw error;
    const reason = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
    logger.warn(
      `AIP could not register its search attributes in Temporal namespace "${namespace}" (${reason}). ` +
        'Runs start without them (they cannot be filtered by run, flowchart, owner, node or stage state in the Temporal UI) ' +
        `until an operator creates them — \`${searchAttributeCommand(namespace)}\` (on Temporal Cloud: \`tcld namespace search-attributes add\`, or the Cloud UI) — and restarts AIP.`,
    );
    return false;
  }
}
