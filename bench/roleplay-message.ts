/**
 * ~400-byte chat messages in the markdown people's chats are made of: *actions*, "speech", **emphasis**, lists,
 * quotes, now and then a heading, a link or a code block. Each ends with its seq as `[#seq]`, so a benchmark can
 * tell which message is on screen.
 */
const PLACES = ['the glade', 'the old mill', 'the river ford', 'the watchtower', 'the moss library', 'the market'];
const THINGS = ['lantern', 'map', 'compass', 'satchel', 'letter', 'herb pouch', 'silver key'];

const TEMPLATES: Array<(place: string, thing: string) => string> = [
  (place, thing) =>
    `*She sets the ${thing} down on the table and looks toward ${place}, where the light is fading.* ` +
    `"We should not stay here long," she says quietly. "The paths change after dark, and **nobody** who ` +
    `walks them alone comes back the same." *Her fingers trace the worn edge of the wood.*\n\n` +
    `"But if you insist... I will come with you. Bring a warm cloak; the fog off the hills bites."`,
  (place, thing) =>
    `Before we leave ${place}, let me check what we carry:\n\n` +
    `- the ${thing}, wrapped in oilcloth\n- two days of bread and dried apples\n- a flint, some rope, a blanket\n` +
    `- the letter from the innkeeper, *still sealed*\n\n` +
    `Anything else would slow us down. **Is there something you want to bring?** Say it now; we will not ` +
    `come back this way, and the ferryman only crosses once a day, at noon sharp.`,
  (place, thing) =>
    `> The keeper of ${place} answers to no one, and lends the ${thing} to fewer still.\n\n` +
    `That is what the sign says, carved deep into the oak. *I read it twice, then push the door open anyway.* ` +
    `The hinges groan. Inside, dust hangs in the air like snow that forgot to fall, and somewhere a clock ` +
    `ticks out of time with itself. Nobody answers when I call out, though a chair is still warm.`,
  (place, thing) =>
    `### At ${place}\n\n` +
    `*The wind picks up as we arrive.* A crooked signpost points three ways at once, and the ${thing} in my ` +
    `hand hums faintly, as if it recognises the place.\n\n` +
    `"Left goes to the hills, right to the sea," she says, "and the middle... ` +
    `the middle goes wherever it likes." _She does not smile when she says it._ I choose the middle, of course.`,
  (place, thing) =>
    `I copied the inscription from the ${thing} exactly, in case it matters later:\n\n` +
    '```\nWHERE THE WATER TURNS\nTHE STONE REMEMBERS\nSPEAK AND BE ANSWERED\n```\n\n' +
    `It reads like a riddle. Maybe the old stories about ${place} were more than stories. ` +
    `*I fold the paper and keep it close.* Her eyes follow it into my pocket, and she says nothing at all for a long while.`,
  (place, thing) =>
    `"Three things," she says, counting them off on her fingers.\n\n` +
    `1. Do not leave the path near ${place}.\n2. Do not answer if someone calls your name.\n` +
    `3. Keep the ${thing} with you, *always*.\n\n` +
    `"Do that, and you will see morning." *She pauses.* "Probably. The forest has moods, and tonight it ` +
    `is **restless**." The candle between us gutters, though no window is open.`,
  (place, thing) =>
    `*I lean against the doorframe and laugh.* "You really think a ${thing} will help us at ${place}? ` +
    `Last time we tried that, we spent half the night walking in circles and the other half arguing about ` +
    `whose fault it was." *I grab my coat anyway.* "Fine. But if we get lost, you are carrying me home, ` +
    "and I want it written down somewhere that I said so first.\" *The door bangs shut behind us.*",
  (place, thing) =>
    `The notes in the margin mention ${place} again, next to a drawing of the ${thing} and a line of ` +
    `\`faded ink\` I can barely read. There is a reference too: [the old survey](https://example.org/survey). ` +
    `*She leans over my shoulder.* "That map is older than the village," she says. "Whoever drew it knew ` +
    `something we don't — **look at the river**." It bends the wrong way.`,
];

export function roleplayMessage(seq: number): string {
  const template = TEMPLATES[seq % TEMPLATES.length]!;
  return `${template(PLACES[seq % PLACES.length]!, THINGS[seq % THINGS.length]!)} [#${seq}]`;
}

/** The marker that ends message `seq`'s text on screen. */
export const seqMarker = (seq: number) => `[#${seq}]`;
