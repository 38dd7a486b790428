/**
 * The JSON-RPC namespaces an endpoint serves (RPC_NAMESPACES), as geth's --http.api and --ws.api:
 * a method of a namespace left out answers -32601 as a method that does not exist, and rpc_modules
 * does not list it. Unset or empty serves every namespace.
 */
import { methods, namespaceOf } from './methods.ts'

/** Every namespace Velox has methods in. */
export const RPC_NAMESPACES: readonly string[] = [...new Set(Object.keys(methods).map(namespaceOf))].sort()

/** RPC_NAMESPACES' value: undefined (every namespace) when unset or empty; an unknown name is refused. */
export function parseRpcNamespaces(value: string | undefined): ReadonlySet<string> | undefined {
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
  if (names.length === 0) return undefined
  for (const name of names)
    if (!RPC_NAMESPACES.includes(name))
      throw new Error(
        `RPC_NAMESPACES names an unknown namespace "${name}": known are ${RPC_NAMESPACES.join(', ')}`,
      )
  return new Set(names)
}
