/**
 * SillyTavern-style macros, names case-insensitive. Supported:
 *   {{char}} {{user}} (and the V1 card forms <BOT> <CHAR> <USER>)
 *   {{time}} "1:02 PM" · {{date}} "September 28, 2024" · {{weekday}} "Saturday" · {{isotime}} "13:02" ·
 *   {{isodate}} "2024-09-28" (in the given time zone)
 *   {{random:a,b,c}} or {{random::a::b}} (items may hold commas) — one item, picked with the random source
 *   {{roll:d6}} {{roll:2d6+1}} {{roll:20}} — a dice roll (at most 100 dice of at most 1,000,000 sides)
 *   {{description}} {{personality}} {{scenario}} {{persona}} — the card's / persona's text, itself expanded
 *   {{original}} — in a card's system prompt or post-history instructions: the default it replaces
 *   {{lastMessage}} {{lastUserMessage}} {{lastCharMessage}} — the newest such message, as written
 *   {{model}} · {{newline}} · {{trim}} (removes the newlines around it) · {{noop}} · {{// a comment}}
 * An unknown or malformed macro stays as written, so a typo is visible in the prompt inspector. Macros do not
 * nest ({{random:{{user}},b}} is not supported).
 */
export interface MacroContext {
  char: string;
  user: string;
  /** Epoch milliseconds. */
  now: number;
  /** An IANA zone such as "Europe/Berlin"; the server's own when absent. */
  timeZone?: string | undefined;
  /** Uniform in [0, 1), like Math.random; tests pass a fixed sequence. */
  random: () => number;
  model?: string | undefined;
  /** Raw texts for {{description}} etc.; expanded when inserted. */
  fields?: Partial<Record<'description' | 'personality' | 'scenario' | 'persona' | 'original', string>>;
  lastMessage?: string | undefined;
  lastUserMessage?: string | undefined;
  lastCharMessage?: string | undefined;
}

const MACRO = /\{\{([^{}]*)\}\}|<(BOT|CHAR|USER)>/gi;
/** Field texts are expanded in turn; a card whose description names {{description}} must not loop. */
const MAX_FIELD_DEPTH = 3;
const MAX_DICE = 100;
const MAX_SIDES = 1_000_000;

export function expandMacros(text: string, ctx: MacroContext): string {
  return expandAt(text, ctx, 0);
}

function expandAt(text: string, ctx: MacroContext, depth: number): string {
  if (!text.includes('{{') && !text.includes('<')) return text;
  const expanded = text.replace(MACRO, (whole, body: string | undefined, legacy: string | undefined) => {
    if (legacy !== undefined) return legacy.toUpperCase() === 'USER' ? ctx.user : ctx.char;
    return evaluate(body ?? '', ctx, depth) ?? whole;
  });
  return expanded.includes('\u0000trim\u0000') ? expanded.replace(/\n*\u0000trim\u0000\n*/g, '') : expanded;
}

function evaluate(body: string, ctx: MacroContext, depth: number): string | undefined {
  if (body.startsWith('//')) return '';
  const colon = body.indexOf(':');
  const name = (colon === -1 ? body : body.slice(0, colon)).trim().toLowerCase();
  const arg = colon === -1 ? undefined : body.slice(colon + 1);
  if (arg !== undefined) {
    if (name === 'random') return pickRandom(arg, ctx.random);
    if (name === 'roll') return rollDice(arg.trim(), ctx.random);
    return undefined;
  }
  switch (name) {
    case 'char':
      return ctx.char;
    case 'user':
      return ctx.user;
    case 'time':
      return formatDate(ctx, { hour: 'numeric', minute: '2-digit' });
    case 'date':
      return formatDate(ctx, { month: 'long', day: 'numeric', year: 'numeric' });
    case 'weekday':
      return formatDate(ctx, { weekday: 'long' });
    case 'isotime':
      return isoParts(ctx, ['hour', 'minute'], ':');
    case 'isodate':
      return isoParts(ctx, ['year', 'month', 'day'], '-');
    case 'description':
    case 'personality':
    case 'scenario':
    case 'persona':
    case 'original': {
      const value = ctx.fields?.[name] ?? '';
      return depth < MAX_FIELD_DEPTH ? expandAt(value, ctx, depth + 1) : value;
    }
    case 'lastmessage':
      return ctx.lastMessage ?? '';
    case 'lastusermessage':
      return ctx.lastUserMessage ?? '';
    case 'lastcharmessage':
      return ctx.lastCharMessage ?? '';
    case 'model':
      return ctx.model ?? '';
    case 'newline':
      return '\n';
    case 'noop':
      return '';
    case 'trim':
      // Marked first, removed with its surrounding newlines once every macro is expanded.
      return '\u0000trim\u0000';
    default:
      return undefined;
  }
}

function pickRandom(arg: string, random: () => number): string {
  const items = arg.startsWith(':') ? arg.slice(1).split('::') : arg.split(',');
  const index = Math.min(items.length - 1, Math.floor(random() * items.length));
  return (items[index] ?? '').trim();
}

function rollDice(formula: string, random: () => number): string | undefined {
  const match = /^(\d*)d(\d+)\s*([+-]\s*\d+)?$/i.exec(formula) ?? /^()(\d+)()$/.exec(formula);
  if (!match) return undefined;
  const count = match[1] ? Number(match[1]) : 1;
  const sides = Number(match[2]);
  const modifier = match[3] ? Number(match[3].replace(/\s+/g, '')) : 0;
  if (count < 1 || count > MAX_DICE || sides < 1 || sides > MAX_SIDES) return undefined;
  let total = modifier;
  for (let i = 0; i < count; i++) total += 1 + Math.min(sides - 1, Math.floor(random() * sides));
  return String(total);
}

function formatDate(ctx: MacroContext, options: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat('en-US', { ...options, timeZone: ctx.timeZone }).format(ctx.now);
}

function isoParts(ctx: MacroContext, parts: Intl.DateTimeFormatPartTypes[], separator: string): string {
  const formatted = new Intl.DateTimeFormat('en-US', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: ctx.timeZone,
  }).formatToParts(ctx.now);
  return parts.map((type) => formatted.find((p) => p.type === type)?.value ?? '').join(separator);
}
