/**
 * The story string's template language: the subset of Handlebars that context templates use. `{{#if name}}` and
 * `{{#unless name}}` blocks (with `{{else}}`, nested), `{{name}}` for a parameter, and `{{trim}}`, which removes
 * the newlines around it. A `{{...}}` that names no parameter is left for the macro stage ({{random}}, {{time}}, ...)
 * where Handlebars would have printed nothing; a block left open, or a closing tag without its block, is an error.
 */
export type StoryParams = Readonly<Record<string, string>>;

type Node = { kind: 'text'; text: string } | { kind: 'block'; helper: 'if' | 'unless'; name: string; then: Node[]; otherwise: Node[] };

export class StoryStringError extends Error {}

const TAG = /\{\{\s*([#/]?)\s*([A-Za-z_][\w.]*)?\s*([^}]*?)\s*\}\}/g;

function parse(template: string): Node[] {
  const root: Node[] = [];
  const stack: { block: Extract<Node, { kind: 'block' }>; inElse: boolean }[] = [];
  const target = () => {
    const top = stack.at(-1);
    return top ? (top.inElse ? top.block.otherwise : top.block.then) : root;
  };
  let last = 0;
  for (const match of template.matchAll(TAG)) {
    const [whole, sigil, word = '', rest = ''] = match;
    const at = match.index;
    const text = template.slice(last, at);
    last = at + whole.length;
    if (sigil === '#' && (word === 'if' || word === 'unless')) {
      if (text) target().push({ kind: 'text', text });
      const block: Extract<Node, { kind: 'block' }> = { kind: 'block', helper: word, name: rest.trim(), then: [], otherwise: [] };
      target().push(block);
      stack.push({ block, inElse: false });
    } else if (sigil === '/' && (word === 'if' || word === 'unless')) {
      if (text) target().push({ kind: 'text', text });
      const top = stack.pop();
      if (!top || top.block.helper !== word) throw new StoryStringError(`{{/${word}}} closes no {{#${word}}}`);
    } else if (!sigil && word === 'else' && !rest && stack.length > 0) {
      if (text) target().push({ kind: 'text', text });
      stack.at(-1)!.inElse = true;
    } else {
      target().push({ kind: 'text', text: text + whole });
    }
  }
  if (stack.length > 0) throw new StoryStringError(`{{#${stack.at(-1)!.block.helper} ${stack.at(-1)!.block.name}}} is never closed`);
  const tail = template.slice(last);
  if (tail) root.push({ kind: 'text', text: tail });
  return root;
}

function render(nodes: readonly Node[], params: StoryParams): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'block') {
      const truthy = Boolean(params[node.name]);
      out += render(node.helper === 'if' === truthy ? node.then : node.otherwise, params);
    } else {
      out += node.text.replace(/\{\{\s*([A-Za-z_]\w*)\s*\}\}/g, (whole, name: string) =>
        Object.hasOwn(params, name) ? (params[name] as string) : whole,
      );
    }
  }
  return out;
}

/** Renders a story string: blocks and parameters, then `{{trim}}`. Throws StoryStringError for a broken template. */
export function renderStoryTemplate(template: string, params: StoryParams): string {
  return render(parse(template), params).replace(/(?:\r?\n)*\{\{trim\}\}(?:\r?\n)*/gi, '');
}

/** Whether the template names a parameter anywhere (in a block or as a value). */
export const mentionsParam = (template: string, name: string) => new RegExp(`\\{\\{\\s*(?:[#/](?:if|unless)\\s+)?${name}\\s*\\}\\}`).test(template);
