/**
 * SillyTavern's macros, one engine for the server's prompts and the client's display. Names are case-insensitive;
 * macros nest (the inner ones are expanded first: `{{random::{{user}}::{{char}}}}`) and are expanded left to right,
 * each exactly once: what a macro inserts (a message, a variable) is not read for macros again. A macro that is
 * unknown or whose arguments do not parse stays as written, so a typo is visible in the prompt inspector.
 *
 *   {{char}} {{user}} (and the V1 card forms <BOT> <CHAR> <USER>)
 *   {{time}} "1:02 PM" · {{date}} "September 28, 2024" · {{weekday}} · {{isotime}} "13:02" · {{isodate}} "2024-09-28"
 *   {{random:a,b,c}} {{random::a::b}} — an item picked anew each time ("\," is a comma inside an item)
 *   {{pick::a::b}} — like random, but the same pick every time for this chat, text and place in the text
 *   {{roll:d6}} {{roll:2d6+1}} {{roll:20}} — a dice roll (at most 100 dice of at most 1,000,000 sides)
 *   {{description}} {{personality}} {{scenario}} {{persona}} — the card's / persona's text, itself expanded
 *   {{original}} — in a card's system prompt or post-history instructions: the default it replaces
 *   {{lastMessage}} {{lastUserMessage}} {{lastCharMessage}} — the newest such message, as written
 *   {{getvar::name}} {{setvar::name::value}} {{addvar::name::value}} {{incvar::name}} {{decvar::name}} — chat variables
 *   {{idle_duration}} — how long ago the user's message before the newest one was sent ("2 hours")
 *   {{input}} — the text in the composer · {{model}} · {{reverse:text}}
 *   {{newline}} · {{trim}} (removes the newlines around it) · {{noop}} · {{// a comment}}
 */
export interface MacroContext {
  char: string;
  user: string;
  /** Epoch milliseconds. */
  now: number;
  /** An IANA zone such as "Europe/Berlin"; the runtime's own when absent. */
  timeZone?: string | undefined;
  /** Uniform in [0, 1), like Math.random; tests pass a fixed sequence. */
  random: () => number;
  model?: string | undefined;
  /** Raw texts for {{description}} etc.; expanded when inserted. */
  fields?: Partial<Record<'description' | 'personality' | 'scenario' | 'persona' | 'original', string>>;
  lastMessage?: string | undefined;
  lastUserMessage?: string | undefined;
  lastCharMessage?: string | undefined;
  /** The chat's variables (chat metadata `variables`, as SillyTavern keeps them): setvar and addvar change it. */
  variables?: Record<string, unknown> | undefined;
  /** What makes {{pick}} differ between chats: SillyTavern's `chat_id_hash`, else the chat's id. */
  pickSeed?: string | number | undefined;
  /** Epoch ms of the user's message before the newest one, for {{idle_duration}}; absent: "just now". */
  idleSince?: number | undefined;
  input?: string | undefined;
}

/** Field texts are expanded in turn; a card whose description names {{description}} must not loop. */
const MAX_FIELD_DEPTH = 3;
/** Deeper nesting is left as written (and keeps the expansion's recursion shallow). */
const MAX_NESTING = 16;
const MAX_DICE = 100;
const MAX_SIDES = 1_000_000;
const TRIM_MARK = '\u0000trim\u0000';
const LEGACY = /<(BOT|CHAR|USER)>/gi;

/** Says what one macro is, given its lower-cased name and the text after the name; undefined: not a macro here. */
type Resolve = (name: string, rest: string, offset: number, raw: string) => string | undefined;

/** Every macro of the context expanded. */
export function expandMacros(text: string, ctx: MacroContext): string {
  return expandAt(text, ctx, 0);
}

/**
 * Only {{user}} and {{char}} (and <USER> <BOT> <CHAR>): what the client shows in a message, where the stored text
 * keeps its macros and the rest (a dice roll, a variable) would change with every showing.
 */
export function expandNameMacros(text: string, names: { user: string; char: string }): string {
  if (!text.includes('{{') && !text.includes('<')) return text;
  const legacy = text.replace(LEGACY, (_, tag: string) => (tag.toUpperCase() === 'USER' ? names.user : names.char));
  return expand(legacy, (name, rest) => (rest.trim() !== '' ? undefined : name === 'user' ? names.user : name === 'char' ? names.char : undefined));
}

function expandAt(text: string, ctx: MacroContext, fieldDepth: number): string {
  if (!text.includes('{{') && !text.includes('<')) return text;
  const legacy = text.replace(LEGACY, (_, tag: string) => (tag.toUpperCase() === 'USER' ? ctx.user : ctx.char));
  const expanded = expand(legacy, (name, rest, offset, raw) => evaluate(name, rest, offset, raw, ctx, fieldDepth));
  return expanded.includes(TRIM_MARK) ? expanded.replace(/(?:\r?\n)*\u0000trim\u0000(?:\r?\n)*/g, '') : expanded;
}

/**
 * Pairs every `{{` with its `}}` in one pass (a stack), then expands the pairs inside out. Linear in the text: a
 * message of ten thousand unclosed `{{` costs no more than its length.
 */
function expand(text: string, resolve: Resolve): string {
  if (!text.includes('{{')) return text;
  const pairs: { open: number; close: number }[] = [];
  const stack: number[] = [];
  for (let i = 0; i < text.length - 1; i++) {
    if (text[i] === '{' && text[i + 1] === '{') {
      stack.push(i);
      i++;
    } else if (text[i] === '}' && text[i + 1] === '}' && stack.length > 0) {
      pairs.push({ open: stack.pop()!, close: i });
      i++;
    }
  }
  if (pairs.length === 0) return text;
  pairs.sort((a, b) => a.open - b.open);
  let next = 0;
  const skipInside = (close: number) => {
    while (next < pairs.length && (pairs[next] as { open: number }).open < close) next++;
  };
  const render = (from: number, to: number, depth: number): string => {
    let out = '';
    let pos = from;
    while (next < pairs.length && (pairs[next] as { open: number }).open < to) {
      const { open, close } = pairs[next++] as { open: number; close: number };
      out += text.slice(pos, open);
      pos = close + 2;
      const rawBody = text.slice(open + 2, close);
      if (rawBody.startsWith('//')) {
        skipInside(close);
        continue;
      }
      let body: string;
      if (depth >= MAX_NESTING) {
        skipInside(close);
        body = rawBody;
      } else {
        body = render(open + 2, close, depth + 1);
      }
      const head = /^\s*([a-z_][\w]*)/i.exec(body);
      const value = head ? resolve((head[1] as string).toLowerCase(), body.slice(head[0].length), open, text) : undefined;
      out += value ?? text.slice(open, close + 2);
    }
    return out + text.slice(pos, to);
  };
  return render(0, text.length, 0);
}

function evaluate(name: string, rest: string, offset: number, raw: string, ctx: MacroContext, fieldDepth: number): string | undefined {
  switch (name) {
    case 'random':
    case 'pick': {
      const list = /^\s?::?([\s\S]+)$/.exec(rest)?.[1];
      if (list === undefined) return undefined;
      const items = listItems(list);
      const random = name === 'random' ? ctx.random() : seededUnit(`${ctx.pickSeed ?? ''}-${hashString(raw)}-${offset}`);
      return items[Math.min(items.length - 1, Math.floor(random * items.length))] ?? '';
    }
    case 'roll': {
      const formula = /^[ :]([\s\S]+)$/.exec(rest)?.[1];
      return formula === undefined ? undefined : rollDice(formula.trim(), ctx.random);
    }
    case 'reverse': {
      const value = /^:([\s\S]+)$/.exec(rest)?.[1];
      return value === undefined ? undefined : Array.from(value).reverse().join('');
    }
    case 'getvar':
    case 'incvar':
    case 'decvar': {
      const varName = /^::([\s\S]+)$/.exec(rest)?.[1]?.trim();
      if (!varName) return undefined;
      if (name === 'getvar') return String(readVariable(ctx, varName));
      return String(addToVariable(ctx, varName, name === 'incvar' ? '1' : '-1'));
    }
    case 'setvar':
    case 'addvar': {
      const match = /^::([^:]+)::([\s\S]+)$/.exec(rest);
      const varName = match?.[1]?.trim();
      if (!match || !varName) return undefined;
      const value = match[2] as string;
      if (name === 'setvar') variablesOf(ctx)[varName] = value;
      else addToVariable(ctx, varName, value);
      return '';
    }
  }
  if (rest.trim() !== '') return undefined;
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
      return fieldDepth < MAX_FIELD_DEPTH ? expandAt(value, ctx, fieldDepth + 1) : value;
    }
    case 'lastmessage':
      return ctx.lastMessage ?? '';
    case 'lastusermessage':
      return ctx.lastUserMessage ?? '';
    case 'lastcharmessage':
      return ctx.lastCharMessage ?? '';
    case 'idle_duration':
      return ctx.idleSince === undefined ? 'just now' : humanizeDuration(ctx.now - ctx.idleSince);
    case 'input':
      return ctx.input ?? '';
    case 'model':
      return ctx.model ?? '';
    case 'newline':
      return '\n';
    case 'noop':
      return '';
    case 'trim':
      // Marked first, removed with its surrounding newlines once every macro is expanded.
      return TRIM_MARK;
    default:
      return undefined;
  }
}

/** "a::b" splits on "::" as written; otherwise on commas, each item trimmed, "\," kept as a comma. */
function listItems(list: string): string[] {
  if (list.includes('::')) return list.split('::');
  return list.split(/(?<!\\),/).map((item) => item.trim().replace(/\\,/g, ','));
}

function variablesOf(ctx: MacroContext): Record<string, unknown> {
  ctx.variables ??= {};
  return ctx.variables;
}

/** A variable as SillyTavern reads one: a number when it reads as one, else its text ('' when unset). */
function readVariable(ctx: MacroContext, name: string): string | number {
  const value = ctx.variables?.[name];
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.trim() === '' || Number.isNaN(Number(text)) ? text : Number(text);
}

/** addvar as in SillyTavern: appends to a JSON array, adds numbers, else appends the text. Returns the new value. */
function addToVariable(ctx: MacroContext, name: string, value: string): string | number {
  const variables = variablesOf(ctx);
  const current = readVariable(ctx, name) || 0;
  if (typeof current === 'string') {
    try {
      const parsed: unknown = JSON.parse(current);
      if (Array.isArray(parsed)) {
        parsed.push(value);
        variables[name] = JSON.stringify(parsed);
        return variables[name] as string;
      }
    } catch {
      // Not JSON: added as a number or as text below.
    }
  }
  const increment = Number(value);
  const next = Number.isNaN(increment) || Number.isNaN(Number(current)) ? String(current || '') + value : Number(current) + increment;
  variables[name] = next;
  return next;
}

/** moment's `humanize()` wording and thresholds, which SillyTavern's {{idle_duration}} shows. */
export function humanizeDuration(ms: number): string {
  const abs = Math.abs(ms);
  const seconds = Math.round(abs / 1000);
  const minutes = Math.round(abs / 60_000);
  const hours = Math.round(abs / 3_600_000);
  const days = Math.round(abs / 86_400_000);
  const months = Math.round(abs / (30.436875 * 86_400_000));
  const years = Math.round(abs / (365.2425 * 86_400_000));
  if (seconds <= 44) return 'a few seconds';
  if (minutes <= 1) return 'a minute';
  if (minutes < 45) return `${minutes} minutes`;
  if (hours <= 1) return 'an hour';
  if (hours < 22) return `${hours} hours`;
  if (days <= 1) return 'a day';
  if (days < 26) return `${days} days`;
  if (months <= 1) return 'a month';
  if (months < 11) return `${months} months`;
  if (years <= 1) return 'a year';
  return `${years} years`;
}

/** FNV-1a over UTF-16 code units: a stable 32-bit number for a text. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A number in [0, 1) fixed by the seed (one mulberry32 step). */
function seededUnit(seed: string): number {
  let t = (hashString(seed) + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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
