/**
 * EventBridge's schedule expression syntax, checked the way the rules API checks it, so a bad
 * expression fails `npm test` rather than `sst deploy`:
 * `cron(minutes hours day-of-month month day-of-week year)` or `rate(n unit)`.
 */
type Field = { name: string; min: number; max: number; names?: readonly string[]; special: RegExp };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: Field[] = [
  { name: 'minutes', min: 0, max: 59, special: /^$/ },
  { name: 'hours', min: 0, max: 23, special: /^$/ },
  // L (last day), W (nearest weekday), LW.
  { name: 'day-of-month', min: 1, max: 31, special: /^(L|LW|([1-9]|[12]\d|3[01])W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS, special: /^$/ },
  // nL (last weekday n of the month), n#k (k-th weekday n).
  {
    name: 'day-of-week',
    min: 1,
    max: 7,
    names: DAYS,
    special: /^(L|([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)L|([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)#[1-5])$/,
  },
  { name: 'year', min: 1970, max: 2199, special: /^$/ },
];

function value(field: Field, text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  return index >= 0 ? index + field.min : undefined;
}

function checkField(field: Field, text: string): string | undefined {
  for (const part of text.split(',')) {
    if (part === '*' || field.special.test(part.toUpperCase())) continue;
    const match = /^([^/-]+)(?:-([^/]+))?(?:\/(\d+))?$/.exec(part);
    if (!match) return `${field.name}: "${part}" is not a value, range or step`;
    const [, from, to, step] = match;
    const start = from === '*' ? field.min : value(field, from!);
    if (start === undefined) return `${field.name}: "${from}" is outside ${field.min}-${field.max}`;
    if (to !== undefined && value(field, to) === undefined)
      return `${field.name}: "${to}" is outside ${field.min}-${field.max}`;
    if (from === '*' && to !== undefined) return `${field.name}: "${part}" ranges from *`;
    if (step !== undefined && Number(step) < 1)
      return `${field.name}: step "${step}" must be 1 or more`;
  }
  return undefined;
}

/** The problem with an expression, or undefined when EventBridge accepts it. */
export function eventBridgeScheduleProblem(expression: string): string | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) return 'a rate must be 1 or more';
    if ((n === 1) !== !rate[2]!.endsWith('s'))
      return `use "${rate[2]!.replace(/s$/, '')}" for 1 and the plural otherwise`;
    return undefined;
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (!cron) return 'not cron(...) or rate(...)';
  const fields = cron[1]!.split(' ');
  if (fields.length !== 6)
    return `cron needs 6 fields separated by single spaces, got ${fields.length}`;
  const [, , dayOfMonth, , dayOfWeek] = fields as [string, string, string, string, string, string];
  // Exactly one of the two day fields is '?': a value or '*' in one needs '?' in the other.
  if ((dayOfMonth === '?') === (dayOfWeek === '?'))
    return "exactly one of day-of-month and day-of-week must be '?'";
  for (const [i, field] of FIELDS.entries()) {
    const text = fields[i]!;
    if (text === '?' && (field.name === 'day-of-month' || field.name === 'day-of-week')) continue;
    const problem = checkField(field, text);
    if (problem) return problem;
  }
  return undefined;
}
