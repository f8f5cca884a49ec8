/**
 * A card's `mes_example` as separate example conversations: blocks start with `<START>` (any case), and text
 * before the first marker is a block too. Blocks are kept or dropped whole as the context fills.
 */
export function splitExampleDialogue(mesExample: string): string[] {
  return mesExample
    .split(/<START>/i)
    .map((block) => block.trim())
    .filter(Boolean);
}
