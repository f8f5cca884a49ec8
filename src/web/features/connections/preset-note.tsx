import { Fragment } from 'react';

/** A preset's note; its `backticked` parts are commands to type, so they show as code rather than with the ticks. */
export function PresetNote({ note }: { note: string }) {
  return note.split('`').map((part, index) => (index % 2 === 1 ? <code key={index}>{part}</code> : <Fragment key={index}>{part}</Fragment>));
}
