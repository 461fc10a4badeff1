/** Whether a subclass overrides an optional method (such as `popMany` or `putMany`). */
export function overrides(instance: object, base: object, method: string): boolean {
  for (
    let proto: unknown = Object.getPrototypeOf(instance);
    proto !== null && proto !== base && typeof proto === 'object';
    proto = Object.getPrototypeOf(proto)
  ) {
    if (Object.hasOwn(proto, method)) return true;
  }
  return false;
}
