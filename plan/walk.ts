/**
 * `value`'s items (an array) or own properties (an object) each replaced by what `map` gives for it: a shallow copy
 * when one of them changed, else `value` itself. A walk that rewrites a few leaves of a large value (a secret, an
 * unknown) so copies only the way to them, and shares the rest, which it never modifies.
 *
 * @param value an array or a plain object (what the engine records is plain data).
 * @param map what an item or property becomes, given it and its index or key.
 */
export function mapChildren<T extends object>(value: T, map: (item: unknown, key: string | number) => unknown): T {
    if (Array.isArray(value)) {
        let out: unknown[] | undefined;
        for (let i = 0; i < value.length; i++) {
            const item = map(value[i], i);
            if (item !== value[i]) (out ??= value.slice())[i] = item;
        }
        return (out ?? value) as T;
    }
    const record = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    // `for...in` lists a plain object's own properties (Object.prototype has no enumerable one), in Object.keys'
    // order, without making an array of them per object.
    for (const key in record) {
        const item = map(record[key], key);
        if (item !== record[key]) (out ??= { ...record })[key] = item;
    }
    return (out ?? value) as T;
}
