// Types of the generator's exports, for the tests.
export interface FieldFacts {
  field: string;
  ordinal: number;
  enableFlag?: string;
  disableFlag?: string;
  enableDate?: string;
  enableAllDates?: true;
  experimental?: true;
  impliedByAfterDate?: { names: string[]; date: string };
  obsolete?: true;
}
export function parseCapnpText(text: string): FieldFacts[];
export function parseWorkerdBinary(bytes: Buffer): FieldFacts[];
export function checkFacts(fields: readonly FieldFacts[]): void;
export function renderModule(fields: readonly FieldFacts[], source: { version: string; description: string }): string;
