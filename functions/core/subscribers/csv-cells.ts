/**
 * One CSV cell as a spreadsheet will read it: formulas defused on export (CSV injection) and revived
 * on import, quoting where a separator or line break would split the cell.
 */

/**
 * Where a spreadsheet starts a cell: the field's start, or after "," or ";" (the list separator of
 * many locales, where Excel and Calc split a line on ";" whatever the file's quoting); then blanks
 * and double quotes it skips; then the characters OWASP's CSV-injection guidance names as the start
 * of a formula (= + - @ tab CR), possibly behind apostrophes already there.
 */
const FORMULA_AT_CELL_START = /(^|[,;])([ "]*)(?='*[=+\-@\t\r])/g;
/** The same places with the apostrophe `defuseFormulas` put there. */
const DEFUSED_AT_CELL_START = /(^|[,;])([ "]*)'(?='*[=+\-@\t\r])/g;

/**
 * Puts an apostrophe (a spreadsheet's "this is text" mark) before every formula a spreadsheet could
 * see in `value`, in "," and ";" locales alike: "Bob;=cmd" → "Bob;'=cmd". Exactly reversed by
 * reviveFormulas (an apostrophe already there gets one more, so nothing is ambiguous).
 */
export function defuseFormulas(value: string): string {
  return value.replace(FORMULA_AT_CELL_START, "$1$2'");
}

/**
 * Undoes defuseFormulas when a file is imported: a defused export comes back as it was. A value typed
 * as '=x in a spreadsheet (its text mark) comes back as =x, which is also what the spreadsheet shows.
 */
export function reviveFormulas(value: string): string {
  return value.replace(DEFUSED_AT_CELL_START, "$1$2");
}

/**
 * One CSV field: formulas defused (defuseFormulas), and quoted when defused or when it holds a
 * quote, a separator (",", ";") or a line break, so every such cell is one cell in any locale.
 */
export function csvField(value: string): string {
  const v = defuseFormulas(value);
  return v !== value || /[",;\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
