/**
 * Splits a streamed reply that starts with a reasoning block (`<think>…</think>` by default) into reasoning and
 * reply, piece by piece, as SillyTavern's reasoning auto-parse does: only a block at the very start counts (after
 * leading whitespace); text that could still turn out to be the prefix or the suffix is held back until it is
 * known; a block never closed (a cut or stopped reply) stays reasoning.
 */
export class ReasoningSplitter {
  #state: 'start' | 'reasoning' | 'text' = 'start';
  #held = '';
  #reasoningStarted = false;

  constructor(
    readonly prefix: string,
    readonly suffix: string,
    readonly out: { text: (delta: string) => void; reasoning: (delta: string) => void },
  ) {}

  push(delta: string): void {
    if (!delta) return;
    if (this.#state === 'text') return this.out.text(delta);
    this.#held += delta;
    if (this.#state === 'start') this.#decideStart();
    if (this.#state === 'reasoning') this.#drainReasoning();
  }

  /** The stream ended: what was held back goes where it belongs. */
  flush(): void {
    const held = this.#held;
    this.#held = '';
    if (this.#state === 'reasoning') this.#emitReasoning(held);
    else if (held) this.out.text(held);
    this.#state = 'text';
  }

  #decideStart(): void {
    const lead = this.#held.trimStart();
    if (lead === '' || (lead.length < this.prefix.length && this.prefix.startsWith(lead))) return;
    if (lead.startsWith(this.prefix)) {
      this.#state = 'reasoning';
      this.#held = lead.slice(this.prefix.length);
      return;
    }
    this.#state = 'text';
    const text = this.#held;
    this.#held = '';
    this.out.text(text);
  }

  #drainReasoning(): void {
    const end = this.#held.indexOf(this.suffix);
    if (end !== -1) {
      this.#emitReasoning(this.#held.slice(0, end));
      const rest = this.#held.slice(end + this.suffix.length);
      this.#held = '';
      this.#state = 'text';
      if (rest) this.out.text(rest);
      return;
    }
    // Keep back the longest tail that may be the start of the suffix.
    let keep = Math.min(this.suffix.length - 1, this.#held.length);
    while (keep > 0 && !this.suffix.startsWith(this.#held.slice(-keep))) keep--;
    const ready = this.#held.slice(0, this.#held.length - keep);
    this.#held = this.#held.slice(this.#held.length - keep);
    this.#emitReasoning(ready);
  }

  /** Reasoning starts at its first visible character (the newline after `<think>` is layout, not thought). */
  #emitReasoning(piece: string): void {
    const shown = this.#reasoningStarted ? piece : piece.trimStart();
    if (!shown) return;
    this.#reasoningStarted = true;
    this.out.reasoning(shown);
  }
}
