/**
 * The facts that describe one compatibility field, as workerd's capnp annotations declare them.
 * @remarks Flag names are as workerd spells them (mostly snake_case); dates are `YYYY-MM-DD`;
 * `impliedByAfterDate.names` are field names, not flag names. A field without `enableFlag`
 * (some obsolete ones) cannot be named in a config at all.
 * @public
 */
export interface CompatFieldFacts<F extends string = string> {
  /** The camelCase field name, the key of the resolved flags record. */
  readonly field: F;
  /** The flag name that turns the field on; absent for a few obsolete workerd fields. */
  readonly enableFlag?: string;
  /** The flag name that turns the field off even when its date applies. */
  readonly disableFlag?: string;
  /** The compatibility date from which the field is on by default. */
  readonly enableDate?: string;
  /** Whether the field is on for every compatibility date. */
  readonly enableAllDates?: boolean;
  /** Whether the enable flag may only be used when the runtime runs with `--experimental`. */
  readonly experimental?: boolean;
  /** Fields that turn this one on from `date` onwards (one pass, in registry order). */
  readonly impliedByAfterDate?: { readonly names: readonly F[]; readonly date: string };
  /** Whether workerd keeps the field only so that old configs still load; it has no effect. */
  readonly obsolete?: boolean;
}

/**
 * One field of workerd's compatibility-date.capnp as the generated data lists it.
 * @internal
 */
export interface WorkerdCompatFieldFacts<F extends string = string> extends CompatFieldFacts<F> {
  /** The field's `@N` number; workerd resolves fields in this order. */
  readonly ordinal: number;
}
