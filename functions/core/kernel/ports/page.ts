/** One page of a listing, and where the next one starts (null: this was the last). */

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
